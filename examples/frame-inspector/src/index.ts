export { describeFields, describeFrame } from './describe-frame.js';
export { type FrameInspector, type FrameInspectorOptions, startFrameInspector } from './frame-inspector.js';
export { InspectedDirection, logFrames, type Printer } from './inspect-frames.js';
export { tee } from './tee.js';
