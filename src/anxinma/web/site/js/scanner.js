// @ts-check
/**
 * Reading QR codes: the browser's BarcodeDetector where it has one that reads QR codes
 * (Android Chrome, macOS), else zxing-wasm (ZXing-C++ compiled to WebAssembly, vendored;
 * its .wasm is served from this site, never from a CDN).
 *
 * A printed card carries two codes: the worker's code (AXM1:...) and a small link to the
 * verifier page.  `decode()` returns every text found; the caller picks the AXM code.
 * @module scanner
 */

const WASM_URL = new URL('../vendor/zxing-wasm/reader/zxing_reader.wasm', import.meta.url).href;
const ZXING_URL = new URL('../vendor/zxing-wasm/es/reader/index.js', import.meta.url).href;

/** @typedef {(source: ImageData) => Promise<string[]>} Decoder */

/** @type {Promise<Decoder> | null} */
let decoder = null;

/** Which engine reads codes here ('barcode-detector' | 'zxing-wasm'), once known. */
export let engine = /** @type {string | null} */ (null);

/** @returns {Promise<Decoder | null>} */
async function nativeDecoder() {
  const Detector = /** @type {any} */ (globalThis).BarcodeDetector;
  if (typeof Detector !== 'function') return null;
  try {
    const formats = await Detector.getSupportedFormats();
    if (!formats.includes('qr_code')) return null;
    const detector = new Detector({ formats: ['qr_code'] });
    engine = 'barcode-detector';
    return async (image) => (await detector.detect(image)).map((/** @type {{rawValue: string}} */ r) => r.rawValue);
  } catch {
    return null;
  }
}

/** @returns {Promise<Decoder>} */
async function zxingDecoder() {
  const zxing = await import(ZXING_URL);
  await zxing.prepareZXingModule({
    overrides: { locateFile: (/** @type {string} */ path, /** @type {string} */ prefix) => (path.endsWith('.wasm') ? WASM_URL : prefix + path) },
    fireImmediately: true,
  });
  engine = 'zxing-wasm';
  const options = { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 4 };
  return async (image) => (await zxing.readBarcodes(image, options)).filter((/** @type {{isValid: boolean}} */ r) => r.isValid).map((/** @type {{text: string}} */ r) => r.text);
}

/** The decoder, prepared once (the wasm compiles on first use). @returns {Promise<Decoder>} */
export function getDecoder() {
  decoder ??= (async () => {
    const ready = (await nativeDecoder()) ?? (await zxingDecoder());
    performance.mark('anxinma-decoder-ready');
    return ready;
  })();
  return decoder;
}

/**
 * Every QR text in an image.
 * @param {ImageData} image
 * @returns {Promise<string[]>}
 */
export async function decode(image) {
  return (await getDecoder())(image);
}

/** The largest side an image is scaled to before decoding (a phone photo is 4000 px wide). */
const MAX_SIDE = 1600;

/**
 * An image file (a photo) as ImageData, scaled down to at most MAX_SIDE.
 * @param {Blob} file
 * @returns {Promise<ImageData>}
 */
export async function imageDataOf(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d', { willReadFrequently: true }));
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return context.getImageData(0, 0, width, height);
}

/**
 * The camera: frames from a <video> are decoded one at a time until `onText` accepts one.
 */
export class Camera {
  /** @param {HTMLVideoElement} video */
  constructor(video) {
    this.video = video;
    /** @type {MediaStream | null} */
    this.stream = null;
    this.running = false;
    this.canvas = document.createElement('canvas');
  }

  /** Open the rear camera; throws when refused or absent. */
  async start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error('no camera API');
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    this.video.srcObject = this.stream;
    this.video.setAttribute('playsinline', '');
    this.video.muted = true;
    await this.video.play();
    this.running = true;
  }

  stop() {
    this.running = false;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  /** The current frame as ImageData (at most 960 px wide), or null before the first frame. */
  frame() {
    const { videoWidth: w, videoHeight: h } = this.video;
    if (!w || !h) return null;
    const scale = Math.min(1, 960 / Math.max(w, h));
    this.canvas.width = Math.round(w * scale);
    this.canvas.height = Math.round(h * scale);
    const context = /** @type {CanvasRenderingContext2D} */ (this.canvas.getContext('2d', { willReadFrequently: true }));
    context.drawImage(this.video, 0, 0, this.canvas.width, this.canvas.height);
    return context.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  /**
   * Decode frames until `accept` returns true for the texts of one frame.
   * @param {(texts: string[]) => Promise<boolean>} accept
   */
  async loop(accept) {
    while (this.running) {
      const image = this.frame();
      if (image !== null) {
        performance.mark('anxinma-decode-start');
        const texts = await decode(image);
        performance.measure('anxinma-decode', 'anxinma-decode-start');
        if (texts.length && this.running && (await accept(texts))) return;
      }
      await new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));
    }
  }
}
