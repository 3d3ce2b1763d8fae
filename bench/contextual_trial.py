"""Trial: does a model that reads characters in context, trained from scratch, reach the twelve-label
targets on the labelled held-back real reviews (docs/diagnosis.md "A model that reads in context")?

Trains a small Keras network on CPU (character embeddings, optionally jieba word-boundary tags, then
dilated convolutions, a BiGRU or a small Transformer encoder, attention and max pooling, a twelve-way
softmax beside an auxiliary multi-label head for the `also` problems) on the labelled reviews outside
the held-back fifth, stops early on a validation split carved from those rows, and scores it on the
slice `outreach eval` uses (held-back, labelled, naming their problem; truth = the primary label),
beside a plain TF-IDF char 1-4-gram logistic regression trained on the same rows and the average of
both models' probabilities. Then texts/s on one core for each, end to end (text in, label out).

    nice -n 10 .venv/bin/python bench/contextual_trial.py [--arch cnn|bigru|transformer] [--words]

Nothing of the product changes; the network, the baseline and the figures go under var/trial/.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from outreach.diagnosis.evaluation import Report, evaluate  # noqa: E402
from outreach.diagnosis.history import read_history  # noqa: E402
from outreach.diagnosis.report import read_slices  # noqa: E402
from outreach.diagnosis.review_labels import read_settled_labels  # noqa: E402
from outreach.diagnosis.taxonomy import NO_PROBLEM, taxonomy  # noqa: E402
from outreach.diagnosis.training_data import labelled_examples  # noqa: E402
from outreach.settings import PROJECT_ROOT  # noqa: E402

EXPORT = PROJECT_ROOT.parent / "shared" / "corpora" / "platform_reviews.tsv"
OUT = PROJECT_ROOT / "var" / "trial"
QUIET = Path("/work/notes/QUIET")
PAD, UNKNOWN = 0, 1
TAGS = {"B": 1, "M": 2, "E": 3, "S": 4}  # a character's place in its jieba word; 0 pads


@dataclass(frozen=True)
class Settings:
    arch: str = "cnn"
    max_len: int = 192  # characters read from the start of a review (99 % are shorter than 205)
    embed: int = 128
    width: int = 160
    layers: int = 3  # dilated convolution blocks, GRU layers or Transformer blocks
    heads: int = 4
    dropout: float = 0.3
    batch: int = 128
    epochs: int = 8
    patience: int = 2  # epochs without a better validation macro-F1
    learning_rate: float = 2e-3
    aux_weight: float = 0.5  # the `also` head's share of the loss
    words: bool = False  # jieba word-boundary tags beside the characters
    written: bool = False  # the written examples in data/nlu among the training rows
    min_char_count: int = 2
    validation_share: float = 0.1
    seed: int = 20261204
    threads: int = 2
    baseline_c: float = 10.0


# ----------------------------------------------------------------------------------------------- data


@dataclass
class Split:
    texts: list[str]
    y: np.ndarray  # primary label index
    multi: np.ndarray  # primary and `also` labels, multi-hot


@dataclass
class Data:
    labels: list[str]
    train: Split
    validation: Split
    test: Split
    vague_test: int
    written: int


def _split(rows: list[tuple[str, str, tuple[str, ...]]], labels: list[str]) -> Split:
    position = {label: i for i, label in enumerate(labels)}
    y = np.array([position[label] for _, label, _ in rows], dtype=np.int32)
    multi = np.zeros((len(rows), len(labels)), dtype=np.float32)
    for i, (_, label, also) in enumerate(rows):
        for name in (label, *also):
            multi[i, position[name]] = 1.0
    return Split([text for text, _, _ in rows], y, multi)


def load_data(export: Path, settings: Settings) -> Data:
    """The project's own split: labelled rows outside the held-back fifth train (vague ones left out,
    as the problems head leaves them out); the labelled held-back rows that name their problem are
    the test slice of `outreach eval`."""
    tax = taxonomy()
    labels = tax.ids
    review_labels = read_settled_labels(labels)
    slices = read_slices(read_history(export), review_labels, tax)
    rows = [(r.text, review_labels[r.row].label, review_labels[r.row].also) for r in slices.training
            if r.row in review_labels and review_labels[r.row].named]
    written = labelled_examples(labels) if settings.written else []
    rng = np.random.default_rng(settings.seed)
    # validation: a stratified share of the labelled export rows (never the written examples)
    by_label: dict[str, list[int]] = {}
    for i, (_, label, _) in enumerate(rows):
        by_label.setdefault(label, []).append(i)
    validation_rows: set[int] = set()
    for indices in by_label.values():
        chosen = rng.permutation(indices)[: round(len(indices) * settings.validation_share)]
        validation_rows.update(int(i) for i in chosen)
    train = [row for i, row in enumerate(rows) if i not in validation_rows]
    train += [(text, label, ()) for text, label in written]
    validation = [row for i, row in enumerate(rows) if i in validation_rows]
    test = [(text, label.label, label.also) for text, label in slices.labelled]
    return Data(labels, _split(train, labels), _split(validation, labels), _split(test, labels),
                len(slices.vague), len(written))


class Encoder:
    """Characters to ids (rare ones to UNKNOWN) and, if asked, each character's jieba word tag."""

    def __init__(self, vocabulary: dict[str, int], max_len: int, words: bool) -> None:
        self.vocabulary, self.max_len, self.words = vocabulary, max_len, words

    @classmethod
    def fit(cls, texts: list[str], settings: Settings) -> Encoder:
        counts = Counter(ch for text in texts for ch in text[: settings.max_len])
        kept = sorted(ch for ch, n in counts.items() if n >= settings.min_char_count)
        return cls({ch: i + 2 for i, ch in enumerate(kept)}, settings.max_len, settings.words)

    @property
    def size(self) -> int:
        return len(self.vocabulary) + 2

    def chars(self, text: str) -> np.ndarray:
        return np.array([self.vocabulary.get(ch, UNKNOWN) for ch in text[: self.max_len]] or [UNKNOWN],
                        dtype=np.int32)

    def tags(self, text: str) -> np.ndarray:
        text = text[: self.max_len] or " "
        if not self.words:
            return np.zeros(len(text), dtype=np.int32)
        import jieba

        tags: list[int] = []
        for word in jieba.cut(text):
            tags += [TAGS["S"]] if len(word) == 1 else [TAGS["B"]] + [TAGS["M"]] * (len(word) - 2) + [TAGS["E"]]
        return np.array(tags, dtype=np.int32)

    def encode(self, texts: list[str]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        return [self.chars(t) for t in texts], [self.tags(t) for t in texts]


def batches_by_length(lengths: np.ndarray, size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Index batches of similar length (little padding); shuffled within and across lengths if rng."""
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i: i + size] for i in range(0, len(order), size)]
    noisy = lengths + rng.uniform(0, 8, len(lengths))
    order = np.argsort(noisy, kind="stable")
    batches = [order[i: i + size] for i in range(0, len(order), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def pad(arrays: list[np.ndarray], indices: np.ndarray) -> np.ndarray:
    width = max(len(arrays[i]) for i in indices)
    out = np.zeros((len(indices), width), dtype=np.int32)
    for row, i in enumerate(indices):
        out[row, : len(arrays[i])] = arrays[i]
    return out


# ---------------------------------------------------------------------------------------------- model


def build_model(settings: Settings, vocabulary_size: int, n_labels: int) -> Any:
    import tensorflow as tf
    from tensorflow import keras
    from tensorflow.keras import layers

    class Pool(layers.Layer):
        """Attention-weighted mean and max over the real (unpadded) positions."""

        def build(self, shape: Any) -> None:
            self.score = layers.Dense(1)
            super().build(shape)

        def call(self, x: Any, mask: Any = None) -> Any:
            present = tf.cast(mask, x.dtype)[..., None]
            scores = self.score(x) + (1.0 - present) * -1e9
            weights = tf.nn.softmax(scores, axis=1)
            mean = tf.reduce_sum(weights * x, axis=1)
            peak = tf.reduce_max(x + (1.0 - present) * -1e9, axis=1)
            return tf.concat([mean, peak], axis=-1)

        def compute_mask(self, inputs: Any, mask: Any = None) -> None:
            return None

    chars = keras.Input((None,), dtype="int32", name="chars")
    tags = keras.Input((None,), dtype="int32", name="tags")
    mask = layers.Lambda(lambda c: tf.not_equal(c, PAD), name="present")(chars)
    present = layers.Lambda(lambda m: tf.cast(m, "float32")[..., None], name="present_float")(mask)
    x = layers.Embedding(vocabulary_size, settings.embed, name="char_embedding")(chars)
    if settings.words:
        x = layers.Concatenate()([x, layers.Embedding(len(TAGS) + 1, 16, name="tag_embedding")(tags)])
    x = layers.SpatialDropout1D(0.1)(x)
    if settings.arch == "cnn":
        x = layers.Dense(settings.width)(x)
        for block in range(settings.layers):
            h = layers.Conv1D(settings.width, 3, padding="same", dilation_rate=2 ** block, activation="relu")(x)
            h = layers.Dropout(settings.dropout / 2)(h)
            x = layers.LayerNormalization()(layers.Add()([x, h]))
            x = layers.Multiply()([x, present])  # padding stays silent for the next convolution
    elif settings.arch == "bigru":
        for _ in range(settings.layers):
            x = layers.Bidirectional(layers.GRU(settings.width // 2, return_sequences=True))(x, mask=mask)
    elif settings.arch == "transformer":
        x = layers.Dense(settings.width)(x)
        positions = layers.Lambda(lambda c: tf.range(tf.shape(c)[1])[None, :], name="positions")(chars)
        x = layers.Add()([x, layers.Embedding(settings.max_len, settings.width, name="position_embedding")(positions)])
        attention_mask = layers.Lambda(lambda m: m[:, None, :], name="attention_mask")(mask)
        for _ in range(settings.layers):
            h = layers.MultiHeadAttention(settings.heads, settings.width // settings.heads,
                                          dropout=settings.dropout / 3)(x, x, attention_mask=attention_mask)
            x = layers.LayerNormalization()(layers.Add()([x, layers.Dropout(settings.dropout / 3)(h)]))
            h = layers.Dense(settings.width * 2, activation="gelu")(x)
            h = layers.Dense(settings.width)(layers.Dropout(settings.dropout / 3)(h))
            x = layers.LayerNormalization()(layers.Add()([x, layers.Dropout(settings.dropout / 3)(h)]))
    else:
        raise ValueError(f"unknown architecture {settings.arch!r}")
    pooled = layers.Dropout(settings.dropout)(Pool()(x, mask=mask))
    label = layers.Dense(n_labels, activation="softmax", name="label")(pooled)
    also = layers.Dense(n_labels, activation="sigmoid", name="also")(pooled)
    return keras.Model({"chars": chars, "tags": tags}, {"label": label, "also": also})


def predict(model: Any, chars: list[np.ndarray], tags: list[np.ndarray], batch: int = 256) -> np.ndarray:
    """Label probabilities in the texts' order (batched by length)."""
    import tensorflow as tf

    ids = tf.TensorSpec([None, None], tf.int32)

    @tf.function(input_signature=[ids, ids])  # one graph for every batch shape
    def forward(c: Any, t: Any) -> Any:
        return model({"chars": c, "tags": t}, training=False)["label"]

    out = np.zeros((len(chars), model.output_shape["label"][-1]), dtype=np.float32)
    for indices in batches_by_length(np.array([len(c) for c in chars]), batch, None):
        out[indices] = forward(tf.constant(pad(chars, indices)), tf.constant(pad(tags, indices))).numpy()
    return out


def macro_f1(truth: np.ndarray, probabilities: np.ndarray, labels: list[str]) -> float:
    return evaluate([labels[i] for i in truth], [labels[i] for i in probabilities.argmax(1)], labels, {}).macro_f1


def wait_while_quiet() -> None:
    while QUIET.exists():
        print(f"  {QUIET} exists: waiting", flush=True)
        time.sleep(30)


def train(settings: Settings, data: Data, encoder: Encoder) -> tuple[Any, list[dict[str, float]]]:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(settings.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.keras.utils.set_random_seed(settings.seed)
    model = build_model(settings, encoder.size, len(data.labels))
    print(f"parameters: {model.count_params():,}", flush=True)
    optimizer = tf.keras.optimizers.Adam(settings.learning_rate, clipnorm=1.0)
    primary, secondary = tf.keras.losses.SparseCategoricalCrossentropy(), tf.keras.losses.BinaryCrossentropy()
    ids = tf.TensorSpec([None, None], tf.int32)

    @tf.function(input_signature=[ids, ids, tf.TensorSpec([None], tf.int32),
                                  tf.TensorSpec([None, len(data.labels)], tf.float32)])
    def step(c: Any, t: Any, y: Any, multi: Any) -> Any:
        with tf.GradientTape() as tape:
            out = model({"chars": c, "tags": t}, training=True)
            loss = primary(y, out["label"]) + settings.aux_weight * secondary(multi, out["also"])
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    chars, tags = encoder.encode(data.train.texts)
    v_chars, v_tags = encoder.encode(data.validation.texts)
    lengths = np.array([len(c) for c in chars])
    rng = np.random.default_rng(settings.seed)
    best, best_weights, stale, history = -1.0, model.get_weights(), 0, []
    for epoch in range(1, settings.epochs + 1):
        wait_while_quiet()
        started, losses = time.time(), []
        for indices in batches_by_length(lengths, settings.batch, rng):
            losses.append(float(step(pad(chars, indices), pad(tags, indices), data.train.y[indices],
                                     data.train.multi[indices])))
        score = macro_f1(data.validation.y, predict(model, v_chars, v_tags), data.labels)
        history.append({"epoch": epoch, "loss": round(float(np.mean(losses)), 4), "validation_macro_f1":
                        round(score, 4), "seconds": round(time.time() - started, 1)})
        print(f"  epoch {epoch:>2}: loss {np.mean(losses):.4f}  validation macro-F1 {score:.4f}  "
              f"({time.time() - started:.0f} s)", flush=True)
        if score > best:
            best, best_weights, stale = score, model.get_weights(), 0
        else:
            stale += 1
            if stale >= settings.patience:
                break
    model.set_weights(best_weights)
    return model, history


# ------------------------------------------------------------------------------------------- baseline


def baseline(settings: Settings, data: Data) -> tuple[Any, np.ndarray, np.ndarray]:
    """TF-IDF char 1-4-gram logistic regression on the same training rows as the network (not the
    validation rows, where the ensemble's weight is chosen). Cached under var/trial/ by its inputs."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts, y = data.train.texts, data.train.y
    key = f"baseline-c{settings.baseline_c}-w{int(settings.written)}-n{len(texts)}-s{settings.seed}"
    path = OUT / f"{key}.pkl"
    if path.exists():
        pipeline = pickle.loads(path.read_bytes())
    else:
        pipeline = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True, min_df=2),
                                 LogisticRegression(C=settings.baseline_c, max_iter=3000))
        pipeline.fit(texts, y)
        path.write_bytes(pickle.dumps(pipeline))
    probabilities = np.zeros((len(data.test.texts), len(data.labels)))
    probabilities[:, pipeline.classes_] = pipeline.predict_proba(data.test.texts)
    validation = np.zeros((len(data.validation.texts), len(data.labels)))
    validation[:, pipeline.classes_] = pipeline.predict_proba(data.validation.texts)
    return pipeline, probabilities, validation


# ----------------------------------------------------------------------------------------- throughput


def throughput_child(folder: Path, which: str, texts_path: Path) -> None:
    """Runs in a fresh process pinned to one core: texts/s end to end (encode and classify), in CPU
    time as `make bench` counts it, so that other work on the machine does not count against it."""
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    texts = json.loads(texts_path.read_text(encoding="utf-8"))
    if which == "baseline":
        pipeline = pickle.loads((folder / "baseline.pkl").read_bytes())
        pipeline.predict_proba(texts[:500])
        started, cpu = time.perf_counter(), time.process_time()
        pipeline.predict_proba(texts)
    else:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        saved = json.loads((folder / "network.json").read_text(encoding="utf-8"))
        settings = Settings(**saved["settings"])
        encoder = Encoder(saved["vocabulary"], settings.max_len, settings.words)
        model = build_model(settings, encoder.size, saved["labels"])
        model.load_weights(folder / "network.weights.h5")
        predict(model, *encoder.encode(texts[:2000]), batch=512)
        started, cpu = time.perf_counter(), time.process_time()
        predict(model, *encoder.encode(texts), batch=512)
    print(json.dumps({"texts": len(texts), "seconds": time.process_time() - cpu,
                      "wall_seconds": time.perf_counter() - started}))


def texts_per_second(folder: Path, which: str, texts: list[str]) -> float:
    texts_path = folder / "throughput_texts.json"
    texts_path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   "TF_CPP_MIN_LOG_LEVEL": "3"}
    completed = subprocess.run([sys.executable, __file__, "--throughput-of", str(folder), "--which", which,
                                "--texts", str(texts_path)], capture_output=True, text=True, env=environment)
    texts_path.unlink()
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-2000:])
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    return result["texts"] / result["seconds"]


# ---------------------------------------------------------------------------------------------- report


def score(data: Data, probabilities: np.ndarray) -> Report:
    labels = data.labels
    return evaluate([labels[i] for i in data.test.y], [labels[i] for i in probabilities.argmax(1)], labels, {})


def summary(report: Report) -> dict[str, Any]:
    return {"macro_f1": round(report.macro_f1, 4), "no_problem_precision": round(report.no_problem_precision, 4),
            "hurt_recall": round(report.hurt_recall, 4), "accuracy": round(report.accuracy, 4),
            "f1": {s.label: round(s.f1, 4) for s in report.scores}}


def print_table(rows: dict[str, Report], speed: dict[str, float], labels: list[str]) -> None:
    names = list(rows)
    print(f"\n{'':<20}" + "".join(f"{name:>14}" for name in names))
    for figure in ("macro_f1", "no_problem_precision", "hurt_recall", "accuracy"):
        print(f"{figure:<20}" + "".join(f"{getattr(rows[n], figure):>14.3f}" for n in names))
    print(f"{'texts/s 1 core CPU':<20}" + "".join(f"{speed[n]:>14,.0f}" if n in speed else f"{'-':>14}"
                                                 for n in names))
    print("\nper-label F1")
    for i, label in enumerate(labels):
        print(f"{label:<20}" + "".join(f"{rows[n].scores[i].f1:>14.3f}" for n in names)
              + f"{rows[names[0]].scores[i].support:>7}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export", type=Path, default=EXPORT)
    for name, value in asdict(Settings()).items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
        else:
            parser.add_argument(flag, type=type(value), default=value)
    parser.add_argument("--throughput-texts", type=int, default=20000)
    parser.add_argument("--name", default="", help="the run's folder under var/trial/ (default: from the settings)")
    parser.add_argument("--limit", type=int, default=0, help="train on the first N rows only (a smoke test)")
    parser.add_argument("--throughput-of", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--which", help=argparse.SUPPRESS)
    parser.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.throughput_of:
        throughput_child(args.throughput_of, args.which, args.texts)
        return 0
    settings = Settings(**{name: getattr(args, name) for name in asdict(Settings())})
    print("settings:", json.dumps(asdict(settings)), flush=True)
    started = time.time()
    data = load_data(args.export, settings)
    if args.limit:
        data.train = Split(data.train.texts[: args.limit], data.train.y[: args.limit], data.train.multi[: args.limit])
    print(f"training rows {len(data.train.texts):,} (written examples {data.written:,}), validation rows "
          f"{len(data.validation.texts):,}, held-back labelled slice {len(data.test.texts):,} "
          f"(vague, not scored: {data.vague_test})", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    name = args.name or f"{settings.arch}{'-words' if settings.words else ''}{'-written' if settings.written else ''}"
    folder = OUT / name
    folder.mkdir(exist_ok=True)

    pipeline, p_linear, v_linear = baseline(settings, data)
    (folder / "baseline.pkl").write_bytes(pickle.dumps(pipeline))
    print(f"baseline ready ({time.time() - started:.0f} s)", flush=True)

    encoder = Encoder.fit(data.train.texts, settings)
    model, history = train(settings, data, encoder)
    model.save_weights(folder / "network.weights.h5")
    (folder / "network.json").write_text(json.dumps({"settings": asdict(settings), "vocabulary": encoder.vocabulary,
                                                     "labels": len(data.labels)}, ensure_ascii=False))
    p_network = predict(model, *encoder.encode(data.test.texts))
    v_network = predict(model, *encoder.encode(data.validation.texts))
    print(f"trained ({time.time() - started:.0f} s)", flush=True)

    # the ensemble's weight is chosen on the validation rows, never the held-back slice
    weights = np.round(np.linspace(0.0, 1.0, 11), 2)
    validation_f1 = [macro_f1(data.validation.y, w * v_network + (1 - w) * v_linear, data.labels) for w in weights]
    w = float(weights[int(np.argmax(validation_f1))])
    rows = {"linear": score(data, p_linear), name: score(data, p_network),
            "average": score(data, (p_network + p_linear) / 2), f"ens w={w:.1f}": score(data, w * p_network
                                                                                       + (1 - w) * p_linear)}
    bench_texts = (data.test.texts * (args.throughput_texts // len(data.test.texts) + 1))[: args.throughput_texts]
    speed = {"linear": texts_per_second(folder, "baseline", bench_texts),
             name: texts_per_second(folder, "network", bench_texts[: args.throughput_texts // 4])}
    speed["average"] = speed[f"ens w={w:.1f}"] = 1 / (1 / speed["linear"] + 1 / speed[name])
    print_table(rows, speed, data.labels)
    no_problem = data.labels.index(NO_PROBLEM)
    print(f"\nheld-back slice: {len(data.test.texts)} reviews, {int((data.test.y == no_problem).sum())} no_problem; "
          f"validation macro-F1 linear {validation_f1[0]:.3f}, network {validation_f1[-1]:.3f}, "
          f"ensemble w={w:.1f} {max(validation_f1):.3f}; whole run {time.time() - started:.0f} s")
    result = {"settings": asdict(settings), "history": history, "ensemble_weight": w,
              "validation_macro_f1": dict(zip(map(str, weights), map(float, validation_f1))),
              "figures": {n: {**summary(r), "texts_per_second": round(speed[n])} for n, r in rows.items()}}
    (folder / "result.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"figures: {folder / 'result.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
