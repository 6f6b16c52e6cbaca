'use strict';
// The Node.js baseline of run-comparison-benchmark.sh: the Open Inference Protocol JSON infer route over
// onnxruntime-node, in one process (node:http), for the benchmark's mlp_unbatched and cnn_unbatched. Session options
// as the service sets them for a one-instance model: intra-op threads = the model's config.json parameter
// intra_op_num_threads, else cores; inter-op 1, every graph optimization, sequential execution, the CPU memory arena,
// no spinning. Input data must be flat lists, as the load generator sends.
// Usage: node server.js [port] [models folder]   (default 18182, ../models)
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const ort = require('onnxruntime-node');

const port = Number(process.argv[2] || 18182);
const models = process.argv[3] || path.join(__dirname, '..', 'models');
const options = (name) => ({
  intraOpNumThreads: intraOpThreads(name), interOpNumThreads: 1, graphOptimizationLevel: 'all',
  executionMode: 'sequential', enableCpuMemArena: true, extra: { session: { intra_op: { allow_spinning: '0' } } },
});
const intraOpThreads = (name) => {
  const config = JSON.parse(fs.readFileSync(path.join(models, name, 'config.json'), 'utf8'));
  return Number(config.parameters?.intra_op_num_threads?.string_value ?? os.availableParallelism());
};
const describe = (list) => list.map((m) => ({ name: m.name, datatype: 'FP32', shape: m.shape.map((d) => (typeof d === 'number' ? d : -1)) }));
const send = (res, status, body) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);

(async () => {
  const served = {};
  for (const name of ['mlp_unbatched', 'cnn_unbatched']) {
    const session = await ort.InferenceSession.create(path.join(models, name, '1', 'model.onnx'), options(name));
    const metadata = { name, versions: ['1'], platform: 'onnx_onnxv1', inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) };
    served[name] = { session, metadata: JSON.stringify(metadata) };
  }
  http.createServer((req, res) => {
    const route = /^\/v2\/models\/([^/?]+)(\/ready|\/infer)?$/.exec(req.url);
    const model = route && served[route[1]];
    if (!model) return send(res, 404, '{"error":"unknown model or route"}');
    if (req.method === 'GET' && route[2] !== '/infer') return send(res, 200, route[2] ? '' : model.metadata);
    if (req.method !== 'POST' || route[2] !== '/infer') return send(res, 405, '{"error":"method not allowed"}');
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const feeds = {};
        for (const input of JSON.parse(Buffer.concat(chunks)).inputs) {
          feeds[input.name] = new ort.Tensor('float32', Float32Array.from(input.data), input.shape);
        }
        const results = await model.session.run(feeds);
        const outputs = Object.entries(results).map(([name, t]) => ({ name, shape: t.dims, datatype: 'FP32', data: Array.from(t.data) }));
        send(res, 200, JSON.stringify({ model_name: route[1], model_version: '1', outputs }));
      } catch (e) {
        send(res, 400, JSON.stringify({ error: String(e.message) }));
      }
    });
  }).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
})();
