import { AppError } from '../errors/app-error.js';

/** A snapshot asked of a stream that has no analysed frame to give. */
export class DetectionNotReady extends AppError {
  constructor(code: 'detection_off' | 'no_frame_yet', message: string) {
    super(code, message);
  }
}
