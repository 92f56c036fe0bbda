// TensorFlow.js 4.22 reference benchmark (classic worker): GEMM, and training steps of
// LeNet-5 and ResNet-20 (batch 64, Adam 1e-3, the same bundled digits) on the wasm backend
// (XNNPACK, SIMD; one thread, or ?threads=N on a cross-origin-isolated page). The wasm backend
// has no Conv2DBackpropFilter kernel, so it cannot train a CNN as shipped; below it is composed
// from kernels the backend has (Transpose, Conv2D with dilation, Slice), so that its training
// speed can be measured — and checked against the cpu backend's kernel on two layers (a 3×3
// stride-1 and a stride-2 convolution), so the comparison is with a correct kernel.
/* global tf, importScripts */
// TensorFlow.js 4.22's wasm backend counts its cores as half of navigator.hardwareConcurrency
// (it assumes two hardware threads per core: `num_cores` in tfjs-backend-wasm/src/cc/backend.cc)
// and caps its thread pool there, whatever setThreadsCount asks: on a 2-core machine without
// SMT, such as this one, it ran one thread when asked for two (getThreadsCount() said 1). So
// the worker reports twice the threads asked, before the backend starts, for TensorFlow.js to
// get every thread it is asked for.
const threadsAsked = Number(new URL(self.location.href).searchParams.get('threads')) || 1;
if (threadsAsked > 1) Object.defineProperty(Object.getPrototypeOf(navigator), 'hardwareConcurrency', { get: () => 2 * threadsAsked, configurable: true });
importScripts('/node_modules/@tensorflow/tfjs/dist/tf.min.js', '/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js');

function registerConv2DBackpropFilter() {
  const k = (name) => tf.getKernel(name, 'wasm').kernelFunc;
  const [transpose, conv2d, slice, pad] = [k('Transpose'), k('Conv2D'), k('Slice'), k('PadV2')];
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs; // x: [N, H, W, C], dy: [N, OH, OW, O], NHWC
      const { strides, pad: padding, filterShape, dimRoundingMode } = attrs;
      const [kh, kw] = filterShape;
      const s = Array.isArray(strides) ? strides : [strides, strides];
      const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, s, 1, padding, dimRoundingMode);
      const { top, left } = info.padInfo;
      const [, h, w] = x.shape;
      const [, oh, ow] = dy.shape;
      // dW[kh, kw, c, o] = Σ_n,i,j x[n, i·s + kh − top, j·s + kw − left, c] · dy[n, i, j, o]:
      // a convolution of x (batch ↔ channels swapped) with dy as the filter, dilated by s.
      const bottom = Math.max(0, kh + (oh - 1) * s[0] - h - top);
      const right = Math.max(0, kw + (ow - 1) * s[1] - w - left);
      const xt = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } }); // [C, H, W, N]
      const xp = pad({ inputs: { x: xt }, backend, attrs: { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 } });
      const f = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }); // [OH, OW, N, O]
      const y = conv2d({ inputs: { x: xp, filter: f }, backend, attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: s } }); // [C, ≥KH, ≥KW, O]
      const ys = slice({ inputs: { x: y }, backend, attrs: { begin: [0, 0, 0, 0], size: [-1, kh, kw, -1] } });
      const out = transpose({ inputs: { x: ys }, backend, attrs: { perm: [1, 2, 0, 3] } }); // [KH, KW, C, O]
      for (const t of [xt, xp, f, y, ys]) backend.disposeData(t.dataId);
      return out;
    },
  });
}

/** Largest |Δ| between this backend's filter gradient and the cpu backend's, over its largest |value|. */
async function checkBackpropFilter() {
  const cases = [[[8, 28, 28, 16], [3, 3, 16, 16], 1], [[8, 28, 28, 16], [3, 3, 16, 32], 2], [[4, 14, 14, 6], [5, 5, 6, 16], 1]];
  const results = [];
  for (const [xs, fs, s] of cases) {
    const seedX = tf.randomUniform(xs, -1, 1, 'float32', 7).arraySync();
    const seedF = tf.randomUniform(fs, -1, 1, 'float32', 8).arraySync();
    const grad = async (backend) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor(seedX);
        const f = tf.tensor(seedF);
        const y0 = tf.conv2d(x, f, s, 'same');
        const dy = tf.randomUniform(y0.shape, -1, 1, 'float32', 9);
        return tf.grad((w) => tf.sum(tf.mul(tf.conv2d(x, w, s, 'same'), dy)))(f).dataSync().slice();
      });
    };
    const cpu = await grad('cpu');
    const wasm = await grad('wasm');
    let diff = 0, scale = 0;
    for (let i = 0; i < cpu.length; i++) {
      diff = Math.max(diff, Math.abs(cpu[i] - wasm[i]));
      scale = Math.max(scale, Math.abs(cpu[i]));
    }
    results.push({ x: xs.join('x'), filter: fs.join('x'), stride: s, max_abs_diff: +diff.toExponential(2), relative: +(diff / scale).toExponential(2) });
  }
  return results;
}

async function idx(url) {
  const r = await fetch(url);
  const raw = await new Response(r.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
  const v = new DataView(raw);
  const dims = v.getUint8(3);
  return { count: v.getUint32(4), data: new Uint8Array(raw, 4 + 4 * dims) };
}

function lenet() {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 120, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 84, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 10 }));
  return m;
}

/** Option-A shortcut: subsample by the stride, zero-pad the extra channels (no parameters). */
class PadShortcut extends tf.layers.Layer {
  constructor(cfg) { super(cfg); this.out = cfg.out; this.stride = cfg.stride; }
  computeOutputShape(s) { return [s[0], Math.ceil(s[1] / this.stride), Math.ceil(s[2] / this.stride), this.out]; }
  call(inputs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      // A 1×1 average pool with the stride is the subsampling (StridedSlice has no gradient).
      const sub = this.stride > 1 ? tf.avgPool(x, 1, this.stride, 'valid') : x;
      const extra = this.out - x.shape[3];
      return extra > 0 ? tf.pad(sub, [[0, 0], [0, 0], [0, 0], [0, extra]]) : sub;
    });
  }
  static get className() { return 'PadShortcut'; }
}

/** ResNet-20 v1, option A, the CIFAR layout on 28×28 (the same net as Depthlab's preset). */
function resnet20() {
  const conv = (x, f, s) => tf.layers.conv2d({ filters: f, kernelSize: 3, strides: s, padding: 'same', useBias: false, kernelInitializer: 'heNormal' }).apply(x);
  const bn = (x) => tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(x);
  const relu = (x) => tf.layers.activation({ activation: 'relu' }).apply(x);
  const input = tf.input({ shape: [28, 28, 1] });
  let x = relu(bn(conv(input, 16, 1)));
  let c = 16;
  for (const [out, first] of [[16, 1], [32, 2], [64, 2]]) {
    for (let b = 0; b < 3; b++) {
      const s = b === 0 ? first : 1;
      let h = relu(bn(conv(x, out, s)));
      h = bn(conv(h, out, 1));
      const sc = s !== 1 || c !== out ? new PadShortcut({ out, stride: s }).apply(x) : x;
      x = relu(tf.layers.add().apply([h, sc]));
      c = out;
    }
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x);
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10 }).apply(x) });
}

function trainSpeed(model, xs, ys, steps) {
  const opt = tf.train.adam(1e-3);
  const step = () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true })), true);
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };
  step();
  step();
  const t0 = performance.now();
  let last = 0;
  for (let i = 0; i < steps; i++) last = step();
  const dt = performance.now() - t0;
  return { samplesPerSec: Math.round((steps * 64 * 1000) / dt), lastLoss: last };
}

(async () => {
  try {
    tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
    const threads = threadsAsked;
    tf.wasm.setThreadsCount(threads);
    await tf.setBackend('wasm');
    await tf.ready();
    registerConv2DBackpropFilter();
    const threadsAtStart = tf.wasm.getThreadsCount();
    const backpropFilterCheck = await checkBackpropFilter();
    await tf.setBackend('wasm');
    const out = { tfjs: tf.version.tfjs, backend: tf.getBackend(), simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'), threadsAsked: threads, threadsAtStart, threads: tf.wasm.getThreadsCount(), isolated: self.crossOriginIsolated, backpropFilterCheck };
    const a = tf.randomUniform([256, 256]), b = tf.randomUniform([256, 256]);
    tf.matMul(a, b).dataSync();
    let reps = 1, dt = 0;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) tf.tidy(() => tf.matMul(a, b)).dispose?.();
      tf.matMul(a, b).dataSync();
      dt = performance.now() - t0;
      if (dt > 400) break;
      reps *= 2;
    }
    out.gemm_256_gflops = +((2 * 256 ** 3 * (reps + 1)) / dt / 1e6).toFixed(2);
    const imgs = await idx('/www/data/train-images-idx3-ubyte.gz');
    const lbls = await idx('/www/data/train-labels-idx1-ubyte.gz');
    const xs = tf.tensor4d(Float32Array.from(imgs.data.subarray(0, 64 * 784), (v) => v / 255), [64, 28, 28, 1]);
    const ys = tf.oneHot(tf.tensor1d(Array.from(lbls.data.subarray(0, 64)), 'int32'), 10);
    out.lenet5 = trainSpeed(lenet(), xs, ys, 30);
    out.resnet20 = trainSpeed(resnet20(), xs, ys, 3);
    self.postMessage(out);
  } catch (e) {
    self.postMessage({ error: String(e && e.stack || e) });
  }
})();
