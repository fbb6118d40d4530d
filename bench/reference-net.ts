/** The engine's reference net (issue 2); it lives in src/engine so `ranas doctor` can benchmark it too. */
export { buildReferenceNet, referenceNetRecipe, REFERENCE_NET, type ReferenceNet, type ReferenceNetConfig } from '../src/engine/reference-net.ts';
