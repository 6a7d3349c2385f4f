// @medtransfer/serve: `medtransfer serve`, a read-only local dashboard of a result store.
export { type Dashboard, type ServeOptions, DEFAULT_HOST, checkResultsDir, formatUrl, startDashboard } from './server';
export { type ExperimentView, type TrialView, experimentView, listExperimentNames } from './experiments';
export { type CurvesView, type CurveBand, curvesView } from './curves';
export { type TrialState, type FolderState, TrialReader, folderState } from './trial-state';
export { confinedPath, safeSegments } from './confine';
