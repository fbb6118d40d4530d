/**
 * The one tfjs-core instance of the project. Everything imports `tf` from here, so there is one kernel
 * registry (a second copy of tfjs-core breaks backend and kernel registration).
 */
import * as tf from '@tensorflow/tfjs-core';

export { tf };
