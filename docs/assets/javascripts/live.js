/* BERT live in the lesson pages: tokenizer explorer, attention viewer, similarity and the
 * learner's own fine-tuned classifier. The hook adds this file only to pages with a
 * `<div class="tutor-live" data-widget="...">` (tutor/site/vendor.py, ON_DEMAND); it is
 * small: the worker (live-worker.js), ONNX Runtime and the model load when a learner
 * opens a widget, or when a script calls window.tutorLive.
 *
 * window.tutorLive (each returns a Promise; used by the browser tests):
 *   tokenize(a, b?)  -> {tokens, input_ids, token_type_ids, attention_mask}
 *   attention(text)  -> {tokens, weights}, weights[layer][head][i][j]
 *   similarity(a, b) -> cosine of the mean-pooled, normalised MiniLM embeddings
 *   classify(text)   -> {label, probabilities}, once a `tutor export` folder has been
 *                       chosen in an input[type=file][data-model-picker]
 */
(function () {
  "use strict";
  if (window.tutorLive) return; // instant navigation may run the script again

  const script = document.currentScript;
  const siteRoot = new URL("../../", script ? script.src : location.href).href;
  let worker = null;
  let nextId = 1;
  const pending = new Map();

  function startWorker() {
    if (worker) return worker;
    worker = new Worker(new URL("assets/javascripts/live-worker.js", siteRoot));
    worker.onmessage = (event) => {
      const { id, result, error } = event.data;
      const waiting = pending.get(id);
      if (!waiting) return;
      pending.delete(id);
      if (error) waiting.reject(new Error(error));
      else waiting.resolve(result);
    };
    worker.onerror = (event) => {
      event.preventDefault(); // the message goes to the page, not the console
      for (const waiting of pending.values()) {
        waiting.reject(new Error("The model's worker stopped; reload the page to try again."));
      }
      pending.clear();
      worker = null;
    };
    return worker;
  }

  function call(op, args, transfer) {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      startWorker().postMessage({ id, op, args, siteRoot }, transfer || []);
    });
  }

  function nested(result) {
    const { layers, heads, n, weights } = result;
    const out = [];
    for (let l = 0; l < layers; l++) {
      const layer = [];
      for (let h = 0; h < heads; h++) {
        const rows = [];
        const base = (l * heads + h) * n * n;
        for (let i = 0; i < n; i++) rows.push(Array.from(weights.subarray(base + i * n, base + (i + 1) * n)));
        layer.push(rows);
      }
      out.push(layer);
    }
    return out;
  }

  // ---- the learner's folder -------------------------------------------------------------

  async function readExportFolder(files) {
    const byName = new Map();
    for (const file of files) {
      const parts = (file.webkitRelativePath || file.name).split("/");
      // Files at the top of the chosen folder win over same-named ones deeper down.
      const depth = parts.length;
      const name = parts[parts.length - 1];
      if (!byName.has(name) || byName.get(name).depth > depth) byName.set(name, { file, depth });
    }
    const get = (name) => (byName.get(name) || {}).file;
    const configFile = get("tutor-export.json");
    if (!configFile) {
      throw new Error("This folder is not a `tutor export` folder: it has no tutor-export.json. " +
        "Make one with `tutor export --onnx` and choose the folder it prints.");
    }
    let config;
    try {
      config = JSON.parse(await configFile.text());
    } catch (e) {
      throw new Error("tutor-export.json in this folder is not valid JSON.");
    }
    const labels = config && config.labels;
    if (!config || config.format !== "tutor-export" || !Array.isArray(labels) || !labels.length ||
        !labels.every((l) => typeof l === "string") || !Number.isInteger(config.max_length)) {
      throw new Error("tutor-export.json in this folder is not one `tutor export` wrote.");
    }
    const model = get(config.model || "model.onnx");
    const vocab = get(config.vocab || "vocab.txt");
    if (!model || !vocab) {
      throw new Error(`The folder lacks ${!model ? "model.onnx" : "vocab.txt"}: export it again with \`tutor export --onnx\`.`);
    }
    const bytes = await model.arrayBuffer();
    return call("loadOwn", { model: bytes, vocab: await vocab.text(), config }, [bytes]);
  }

  let ownLoaded = null;

  const api = {
    async tokenize(a, b) {
      const r = await call("tokenize", { a, b });
      return {
        tokens: r.tokens, input_ids: r.input_ids,
        token_type_ids: r.token_type_ids, attention_mask: r.attention_mask,
      };
    },
    async attention(text) {
      const r = await call("attention", { text });
      return { tokens: r.tokens, weights: nested(r) };
    },
    async similarity(a, b) {
      return (await call("similarity", { a, b })).cosine;
    },
    async classify(text) {
      if (ownLoaded) await ownLoaded; // a failed load rejects with its own message
      const r = await call("classify", { text });
      return { label: r.label, probabilities: r.probabilities };
    },
  };
  window.tutorLive = api;

  // ---- the widgets ---------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function messenger(box) {
    const msg = el("p", { class: "tutor-live-msg", role: "status", "aria-live": "polite" });
    box.append(msg);
    return {
      note(text) { msg.textContent = text; msg.classList.remove("is-error"); },
      error(text) { msg.textContent = text; msg.classList.add("is-error"); },
      clear() { msg.textContent = ""; msg.classList.remove("is-error"); },
    };
  }

  // Runs a widget action; every failure becomes a sentence in the page.
  async function guarded(msg, button, action) {
    if (button) button.disabled = true;
    try {
      await action();
    } catch (e) {
      msg.error(e && e.message ? e.message : String(e));
    } finally {
      if (button) button.disabled = false;
    }
  }

  const LIMIT_NOTE = "BERT reads at most 512 tokens: only the first ones are shown.";

  function tokenizerWidget(body) {
    const a = el("textarea", { rows: "2", "aria-label": "First sentence" });
    a.value = "Tokenizers split unbelievable words into pieces.";
    const b = el("input", { type: "text", "aria-label": "Second sentence (optional)", placeholder: "Second sentence (optional): makes a pair" });
    const go = el("button", { type: "button", class: "md-button", text: "Tokenize" });
    const out = el("div", { class: "tutor-live-scroll" });
    body.append(el("label", { text: "Sentence" }), a, el("label", { text: "Second sentence" }), b, go);
    const msg = messenger(body);
    body.append(out);
    go.addEventListener("click", () => guarded(msg, go, async () => {
      msg.clear();
      if (!a.value.trim()) throw new Error("Type a sentence first.");
      const r = await call("tokenize", { a: a.value, b: b.value || undefined });
      const table = el("table", { class: "tutor-live-tokens" });
      const rows = [["piece", r.tokens], ["id", r.input_ids], ["type id", r.token_type_ids], ["mask", r.attention_mask]];
      for (const [name, values] of rows) {
        const tr = el("tr", {}, el("th", { text: name, scope: "row" }));
        values.forEach((v, i) => {
          const special = r.tokens[i] === "[CLS]" || r.tokens[i] === "[SEP]";
          tr.append(el("td", { text: String(v), class: special ? "is-special" : (r.token_type_ids[i] ? "is-second" : "") }));
        });
        table.append(tr);
      }
      out.replaceChildren(table);
      msg.note(`${r.tokens.length} tokens.` + (r.truncated ? ` ${LIMIT_NOTE}` : ""));
    }));
  }

  function drawHeatmap(canvas, tokens, weights, offset, n, info) {
    const ctx = canvas.getContext("2d");
    const font = "12px system-ui, sans-serif";
    ctx.font = font;
    const clip = (t) => (t.length > 12 ? t.slice(0, 11) + "…" : t);
    const labelWidth = Math.ceil(Math.max(...tokens.map((t) => ctx.measureText(clip(t)).width))) + 8;
    // Cells fill the box's width (26 px at most), so a short sentence fits a phone; longer
    // ones scroll inside the box, with labels (9 px cells) up to 100 tokens, 5 px beyond.
    const avail = (canvas.parentElement && canvas.parentElement.clientWidth) || 600;
    const smallest = n <= 100 ? 9 : 5;
    const fit = (m) => Math.max(smallest, Math.min(26, Math.floor((avail - m) / n)));
    let margin = labelWidth;
    let cell = fit(margin);
    const labels = cell >= 9;
    if (!labels) { margin = 4; cell = fit(margin); }
    const width = margin + n * cell;
    const height = margin + n * cell;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.ceil(width * ratio);
    canvas.height = Math.ceil(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = font;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const w = weights[offset + i * n + j];
        // White to indigo: the darker, the more of token i's attention goes to token j.
        const mix = (full) => Math.round(255 - (255 - full) * Math.min(Math.max(w, 0), 1));
        ctx.fillStyle = `rgb(${mix(63)},${mix(81)},${mix(181)})`;
        ctx.fillRect(margin + j * cell, margin + i * cell, cell, cell);
      }
    }
    if (labels) {
      const ink = getComputedStyle(canvas).color || "#222";
      ctx.fillStyle = ink;
      ctx.textBaseline = "middle";
      ctx.textAlign = "right";
      tokens.forEach((t, i) => ctx.fillText(clip(t), margin - 4, margin + i * cell + cell / 2));
      tokens.forEach((t, j) => {
        ctx.save();
        ctx.translate(margin + j * cell + cell / 2, margin - 4);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = "left";
        ctx.fillText(clip(t), 0, 0);
        ctx.restore();
      });
    }
    canvas.onmousemove = canvas.onclick = (event) => {
      const box = canvas.getBoundingClientRect();
      const j = Math.floor((event.clientX - box.left - margin) / cell);
      const i = Math.floor((event.clientY - box.top - margin) / cell);
      if (i >= 0 && j >= 0 && i < n && j < n) {
        info.textContent = `${tokens[i]} → ${tokens[j]}: ${weights[offset + i * n + j].toFixed(3)}`;
      }
    };
  }

  function attentionWidget(body) {
    const text = el("textarea", { rows: "2", "aria-label": "Sentence" });
    text.value = "The animal didn't cross the street because it was too tired.";
    const go = el("button", { type: "button", class: "md-button", text: "Show attention" });
    const layer = el("select", { "aria-label": "Layer" });
    const head = el("select", { "aria-label": "Head" });
    const pickers = el("div", { class: "tutor-live-pickers" },
      el("label", {}, "Layer ", layer), el("label", {}, "Head ", head));
    const canvas = el("canvas", { class: "tutor-live-heatmap", role: "img", "aria-label": "Attention heat map" });
    const info = el("p", { class: "tutor-live-info" });
    body.append(el("label", { text: "Sentence" }), text, go, pickers);
    const msg = messenger(body);
    body.append(el("p", { class: "tutor-live-caption", text: "Row: the token that looks. Column: the token it looks at. Each row sums to 1." }),
      el("div", { class: "tutor-live-scroll" }, canvas), info);
    let current = null;
    const redraw = () => {
      if (!current) return;
      const l = Number(layer.value), h = Number(head.value);
      const offset = (l * current.heads + h) * current.n * current.n;
      drawHeatmap(canvas, current.tokens, current.weights, offset, current.n, info);
    };
    layer.addEventListener("change", redraw);
    head.addEventListener("change", redraw);
    go.addEventListener("click", () => guarded(msg, go, async () => {
      msg.note("Running MiniLM in your browser…");
      const r = await call("attention", { text: text.value });
      if (!current || current.layers !== r.layers || current.heads !== r.heads) {
        layer.replaceChildren(...Array.from({ length: r.layers }, (_, i) => el("option", { value: String(i), text: String(i + 1) })));
        head.replaceChildren(...Array.from({ length: r.heads }, (_, i) => el("option", { value: String(i), text: String(i + 1) })));
      }
      current = r;
      redraw();
      msg.note(`${r.n} tokens, ${r.layers} layers × ${r.heads} heads.` + (r.truncated ? ` ${LIMIT_NOTE}` : ""));
    }));
    return () => go.click();
  }

  function similarityWidget(body) {
    const a = el("input", { type: "text", "aria-label": "First sentence" });
    const b = el("input", { type: "text", "aria-label": "Second sentence" });
    a.value = "A man is playing a guitar.";
    b.value = "Someone strums an instrument.";
    const go = el("button", { type: "button", class: "md-button", text: "Compare" });
    const out = el("p", { class: "tutor-live-result" });
    body.append(el("label", { text: "First sentence" }), a, el("label", { text: "Second sentence" }), b, go);
    const msg = messenger(body);
    body.append(out);
    go.addEventListener("click", () => guarded(msg, go, async () => {
      msg.note("Running MiniLM in your browser…");
      out.textContent = "";
      const r = await call("similarity", { a: a.value, b: b.value });
      out.textContent = `cosine similarity: ${r.cosine.toFixed(3)}`;
      msg.note(r.truncated ? `Only the first ${r.limit} tokens of a long sentence count, as in sentence-transformers.` : "Mean of the token vectors, normalised; 1 means the same direction.");
    }));
  }

  function modelWidget(body) {
    body.append(el("p", { class: "tutor-live-privacy", text: "Your model stays on this computer: the page reads the folder in your browser and uploads nothing." }));
    const picker = el("input", { type: "file", "data-model-picker": "", webkitdirectory: "", "aria-label": "Folder written by tutor export" });
    const text = el("textarea", { rows: "2", "aria-label": "Text to classify" });
    text.value = "A warm, funny and beautifully acted film.";
    const go = el("button", { type: "button", class: "md-button", text: "Classify" });
    const out = el("div", { class: "tutor-live-probs" });
    body.append(el("label", { text: "Folder written by tutor export --onnx" }), picker, el("label", { text: "Text" }), text, go);
    const msg = messenger(body);
    body.append(out);
    picker.addEventListener("change", () => {
      out.replaceChildren();
      if (!picker.files || !picker.files.length) {
        msg.error("The folder is empty: choose the folder `tutor export --onnx` printed.");
        return;
      }
      msg.note("Reading your model…");
      ownLoaded = readExportFolder(picker.files);
      guarded(msg, go, async () => {
        const r = await ownLoaded;
        msg.note(`Loaded: labels ${r.labels.join(", ")}. Type a text and press Classify.`);
      });
    });
    go.addEventListener("click", () => guarded(msg, go, async () => {
      if (ownLoaded) await ownLoaded;
      const r = await call("classify", { text: text.value });
      const rows = Object.entries(r.probabilities).map(([label, p]) => {
        const bar = el("span", { class: "tutor-live-bar" });
        bar.style.width = `${(100 * p).toFixed(1)}%`;
        return el("div", { class: "tutor-live-prob" + (label === r.label ? " is-best" : "") },
          el("span", { class: "tutor-live-label", text: label }), el("span", { class: "tutor-live-track" }, bar),
          el("span", { class: "tutor-live-p", text: p.toFixed(3) }));
      });
      out.replaceChildren(...rows);
      msg.note(`Prediction: ${r.label}.` + (r.truncated ? " Only the first tokens were read (the model's limit)." : ""));
    }));
  }

  const WIDGETS = {
    tokenizer: ["Try it: BERT's tokenizer", tokenizerWidget, false],
    attention: ["Try it: attention in every layer and head", attentionWidget, true],
    similarity: ["Try it: sentence similarity", similarityWidget, true],
    model: ["Try it: your own fine-tuned model", modelWidget, false],
  };

  function addStylesheet() {
    if (document.querySelector("link[data-tutor-live]")) return;
    document.head.append(el("link", { rel: "stylesheet", href: new URL("assets/stylesheets/live.css", siteRoot).href, "data-tutor-live": "" }));
  }

  function mount(node) {
    if (node.dataset.mounted) return;
    const spec = WIDGETS[node.dataset.widget];
    if (!spec) return;
    node.dataset.mounted = "1";
    const [title, build, needsModel] = spec;
    const details = el("details", { class: "tutor-live-box" }, el("summary", { text: title }));
    const body = el("div", { class: "tutor-live-body" });
    details.append(body);
    node.replaceChildren(details);
    // The form is built at once (the folder picker must exist before a folder is chosen);
    // the worker and the model load only when the learner opens the widget.
    const run = build(body);
    let warmed = false;
    details.addEventListener("toggle", () => {
      if (!details.open || warmed) return;
      warmed = true;
      if (!needsModel) return;
      const note = el("p", { class: "tutor-live-loading", text: "Loading MiniLM (about 90 MB the first time, then from the browser's cache)…" });
      body.prepend(note);
      call("warm", {}).then(() => {
        note.remove();
        if (run) run();
      }, (e) => {
        note.textContent = e.message;
        note.classList.add("is-error");
      });
    });
  }

  function mountAll() {
    const nodes = document.querySelectorAll(".tutor-live[data-widget]");
    if (nodes.length) addStylesheet();
    nodes.forEach(mount);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
  // Material's instant navigation swaps the page without reloading scripts.
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(mountAll);
})();
