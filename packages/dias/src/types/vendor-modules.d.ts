// Type declarations for the image codec packages that ship none; only the parts this project calls.

declare module 'utif' {
  /** One image file directory: tags as 't<number>' arrays, plus what decodeImage fills in. */
  export interface IFD {
    [tag: `t${number}`]: number[] | string[] | Uint8Array | undefined;
    width?: number;
    height?: number;
    data?: Uint8Array;
    isLE?: boolean;
  }
  export function decode(buffer: ArrayBuffer): IFD[];
  export function decodeImage(buffer: ArrayBuffer, ifd: IFD, ifds?: IFD[]): void;
  const UTIF: { decode: typeof decode; decodeImage: typeof decodeImage };
  export default UTIF;
}

declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    constructor(buffer?: ArrayBuffer, numBytes?: number);
    /** Decodes the JPEG at buffer[offset, offset + length); 8-bit samples come back as Uint8Array, others Uint16Array. */
    decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array;
    precision?: number;
    xDim: number;
    yDim: number;
    numComp: number;
  }
}

/** The emscripten decoder objects of @cornerstonejs/codec-libjpeg-turbo-8bit, codec-charls and codec-openjpeg. */
interface CornerstoneFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}
interface CornerstoneDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  readHeader?(): void;
  decode(): void;
  getFrameInfo(): CornerstoneFrameInfo;
  delete(): void;
}

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: (options?: object) => Promise<{ JPEGDecoder: new () => CornerstoneDecoder }>;
  export default factory;
}

declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (options?: object) => Promise<{ JpegLSDecoder: new () => CornerstoneDecoder }>;
  export default factory;
}

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: (options?: object) => Promise<{ J2KDecoder: new () => CornerstoneDecoder }>;
  export default factory;
}
