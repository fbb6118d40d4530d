/** Every CLI command, one file each; a command registers itself on the program. */
import type { Command } from 'commander';
import { registerData } from './data.ts';
import { registerExport } from './export.ts';
import { registerModel } from './model.ts';
import { registerTrain } from './train.ts';
import { registerDevice } from './device.ts';
import { registerEval } from './eval.ts';
import { registerDoctor } from './doctor.ts';
import { registerSearch } from './search.ts';
import { registerDemo } from './demo.ts';
import { registerSetup } from './setup.ts';
import { registerStudy } from './study.ts';
import { registerFleet } from './fleet.ts';

/** Adds one command (with its sub-commands and options) to the program. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerData, registerModel, registerTrain, registerEval, registerExport, registerDoctor, registerDevice, registerSearch, registerDemo, registerSetup, registerStudy, registerFleet];
