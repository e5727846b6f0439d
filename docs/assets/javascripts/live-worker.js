/* The lesson widgets' Web Worker: tokenizes and runs BERT off the page's thread, with
 * ONNX Runtime's WebAssembly build served by the site (docs/assets/vendor/onnxruntime-web,
 * pinned in tutor/site/vendor.py). It starts when a learner opens a widget (live.js) and
 * loads each file on first need: the vocabulary for tokenizing, the MiniLM export
 * (tutor/site/live_model.py) for attention and similarity.
 *
 * Messages in: {id, op, args}; out: {id, result} or {id, error} (a sentence for the page).
 */
"use strict";

let root = null; // the site's root URL, sent by live.js with the first message
let manifest = null;
let tokenizer = null;
let session = null;
let own = null; // {session, tokenizer, config} of a learner's `tutor export` folder

class Problem extends Error {} // expected failures: the message is shown in the page

function loadOrt() {
  if (self.ort) return;
  importScripts(new URL("assets/vendor/onnxruntime-web/ort.wasm.min.js", root).href);
  self.ort.env.wasm.wasmPaths = new URL("assets/vendor/onnxruntime-web/", root).href;
  // One thread: several need a cross-origin-isolated page, which a static site cannot
  // promise; MiniLM on one thread takes a few tens of milliseconds a sentence.
  self.ort.env.wasm.numThreads = 1;
  self.ort.env.logLevel = "error";
}

async function fetchOk(url, kind) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Problem(`Could not load ${kind} from this site (${e.message}).`);
  }
  if (!response.ok) {
    throw new Problem(
      response.status === 404 && kind === "the model description"
        ? "This copy of the site was built without the model (the build needs torch: see the README)."
        : `Could not load ${kind} from this site (HTTP ${response.status}).`);
  }
  return response;
}

function loadTokenizerScript() {
  if (!self.TutorWordPiece) importScripts(new URL("assets/javascripts/live-tokenizer.js", root).href);
}

async function ensureTokenizer() {
  if (tokenizer) return;
  const base = new URL("assets/vendor/live/", root);
  manifest = await (await fetchOk(new URL("live.json", base), "the model description")).json();
  loadTokenizerScript();
  const vocab = await (await fetchOk(new URL(manifest.vocab, base), "the vocabulary")).text();
  tokenizer = new self.TutorWordPiece(vocab, manifest.tokenizer);
}

async function ensureModel() {
  await ensureTokenizer();
  if (session) return;
  loadOrt();
  const url = new URL(`assets/vendor/live/${manifest.model}`, root);
  const bytes = await (await fetchOk(url, "the model")).arrayBuffer();
  session = await self.ort.InferenceSession.create(new Uint8Array(bytes), {
    executionProviders: ["wasm"],
  });
}

function needText(text, message) {
  if (typeof text !== "string" || !text.trim()) throw new Problem(message);
}

function feeds(sess, encoded) {
  const n = encoded.input_ids.length;
  const all = {
    input_ids: encoded.input_ids,
    token_type_ids: encoded.token_type_ids,
    attention_mask: encoded.attention_mask,
  };
  const out = {};
  for (const name of sess.inputNames) {
    out[name] = new self.ort.Tensor("int64", BigInt64Array.from(all[name], BigInt), [1, n]);
  }
  return out;
}

function encodeSome(tok, text, maxLength) {
  const encoded = tok.encode(text, undefined, maxLength);
  if (encoded.tokens.length <= 2) {
    throw new Problem("Nothing is left of this text once spaces and control characters are removed.");
  }
  return encoded;
}

async function meanEmbedding(text) {
  const encoded = encodeSome(tokenizer, text, manifest.similarity_max_length);
  const out = await session.run(feeds(session, encoded), ["token_embeddings"]);
  const [, n, width] = out.token_embeddings.dims;
  const data = out.token_embeddings.data;
  const mean = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let d = 0; d < width; d++) mean[d] += data[i * width + d];
  let norm = 0;
  for (let d = 0; d < width; d++) { mean[d] /= n; norm += mean[d] * mean[d]; }
  norm = Math.sqrt(norm) || 1;
  return { vector: mean.map((v) => v / norm), truncated: encoded.truncated };
}

function softmax(logits) {
  const top = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - top));
  const sum = e.reduce((s, x) => s + x, 0);
  return e.map((x) => x / sum);
}

const OPS = {
  async tokenize({ a, b }) {
    await ensureTokenizer();
    if (typeof a !== "string" || (b !== undefined && b !== null && typeof b !== "string")) {
      throw new Problem("tokenize needs text (and optionally a second text).");
    }
    return tokenizer.encode(a, b, manifest.max_length);
  },

  async attention({ text }) {
    needText(text, "Type a sentence first: the text is empty.");
    await ensureModel();
    const encoded = encodeSome(tokenizer, text, manifest.max_length);
    const out = await session.run(feeds(session, encoded), ["attentions"]);
    const [, layers, heads, n] = out.attentions.dims;
    const weights = new Float32Array(out.attentions.data);
    return {
      transfer: [weights.buffer],
      value: { tokens: encoded.tokens, layers, heads, n, weights, truncated: encoded.truncated },
    };
  },

  async similarity({ a, b }) {
    needText(a, "Type a sentence in both boxes: the first is empty.");
    needText(b, "Type a sentence in both boxes: the second is empty.");
    await ensureModel();
    const [x, y] = [await meanEmbedding(a), await meanEmbedding(b)];
    let cosine = 0;
    for (let d = 0; d < x.vector.length; d++) cosine += x.vector[d] * y.vector[d];
    return { cosine, truncated: x.truncated || y.truncated, limit: manifest.similarity_max_length };
  },

  async loadOwn({ model, vocab, config }) {
    loadOrt();
    loadTokenizerScript();
    let tok;
    try {
      tok = new self.TutorWordPiece(vocab, config.tokenizer);
    } catch (e) {
      throw new Problem(`vocab.txt in this folder cannot be used: ${e.message}.`);
    }
    let sess;
    try {
      sess = await self.ort.InferenceSession.create(new Uint8Array(model), {
        executionProviders: ["wasm"],
      });
    } catch (e) {
      throw new Problem("model.onnx in this folder is not a model ONNX Runtime can read.");
    }
    if (!sess.outputNames.includes("logits")) {
      throw new Problem("model.onnx in this folder is not a `tutor export` classifier (no logits output).");
    }
    own = { session: sess, tokenizer: tok, config };
    return { labels: config.labels };
  },

  async classify({ text }) {
    if (!own) throw new Problem("Load a folder made by `tutor export` first.");
    needText(text, "Type some text to classify: the text is empty.");
    const encoded = encodeSome(own.tokenizer, text, own.config.max_length);
    const out = await own.session.run(feeds(own.session, encoded), ["logits"]);
    const probs = softmax(Array.from(out.logits.data));
    const labels = own.config.labels;
    const probabilities = {};
    labels.forEach((label, i) => { probabilities[label] = probs[i]; });
    const best = probs.indexOf(Math.max(...probs));
    return { label: labels[best], probabilities, truncated: encoded.truncated };
  },

  async warm() {
    await ensureModel();
    return { layers: manifest.layers, heads: manifest.heads };
  },
};

self.onmessage = async (event) => {
  const { id, op, args, siteRoot } = event.data;
  if (siteRoot) root = siteRoot;
  try {
    if (!OPS[op]) throw new Problem(`unknown operation ${op}`);
    const result = await OPS[op](args || {});
    if (result && result.transfer) {
      self.postMessage({ id, result: result.value }, result.transfer);
    } else {
      self.postMessage({ id, result });
    }
  } catch (e) {
    const text = e instanceof Problem ? e.message : `Something went wrong in the model: ${e && e.message ? e.message : e}`;
    self.postMessage({ id, error: text });
  }
};
