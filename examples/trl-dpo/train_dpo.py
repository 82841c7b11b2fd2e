#!/usr/bin/env python3
"""DPO-train a small chat model on one dpo iteration and measure it on the eval split.

Reads an iteration's ``train.trl-conversational.jsonl`` (``prompt``/``chosen``/
``rejected`` as lists of chat messages, which TRL renders with the model's chat
template), trains with TRL's ``DPOTrainer``, evaluates on the iteration's
``eval.trl-conversational.jsonl`` and writes the evaluation as a JSON object
that dpo's ``command/run`` turns into tallies (``iter-0100.eval.rewards.accuracies``…)::

    {"train": {"loss": …, "runtime": …},
     "eval": {"loss": …, "rewards": {"accuracies": …, "margins": …, "chosen": …, "rejected": …}, …},
     "before": {"eval": {…}}}          # the same evaluation before any training step

``eval.rewards.accuracies`` is the share of held-out pairs whose chosen answer the
trained policy prefers to the rejected one by DPO's implicit reward (relative
to the frozen reference model). ``before`` is measured with the policy still equal
to the reference: every implicit reward is 0 there, so it is the floor the
trained numbers must clear.

Needs a GPU (or much patience), ``pip install -r requirements.txt`` and the
model's weights (downloaded by ``transformers`` on first use). Not run in dpo's CI.
See README.md beside this file for the command line and the dpo stage.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

COLUMNS = ["prompt", "chosen", "rejected"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train", required=True, help="an iteration's train.trl-conversational.jsonl")
    p.add_argument("--eval", required=True, help="the same iteration's eval.trl-conversational.jsonl")
    p.add_argument("--metrics", required=True, help="where to write the metrics JSON (dpo: the stage's `metrics` file)")
    p.add_argument("--output-dir", required=True, help="checkpoints and the final model (keep it outside out/: it is large)")
    p.add_argument("--model", default="Qwen/Qwen2.5-0.5B-Instruct", help="a chat model with a chat template")
    p.add_argument("--beta", type=float, default=0.1, help="DPO's beta: higher stays closer to the reference model")
    p.add_argument("--learning-rate", type=float, default=5e-7)
    p.add_argument("--epochs", type=float, default=float(os.environ.get("EPOCHS") or 1.0), help="default: $EPOCHS (list it in the stage's `env`), else 1")
    p.add_argument("--batch-size", type=int, default=2, help="per device")
    p.add_argument("--gradient-accumulation", type=int, default=8)
    p.add_argument("--max-length", type=int, default=1024, help="prompt + completion tokens (TRL's default; `dpo check --tokenizer` reports longer rows)")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args(argv)


def numbers(metrics: dict) -> dict:
    """Trainer metrics ({"eval_rewards/accuracies": x, "epoch": …}) as nested numbers ({"rewards": {"accuracies": x}})."""
    out: dict = {}
    for key, value in metrics.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            continue
        path = key.removeprefix("eval_").removeprefix("train_").split("/")
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = float(value)
    return out


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # Imported here so that `--help` works without the training stack installed.
    from datasets import load_dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    data = load_dataset("json", data_files={"train": args.train, "eval": args.eval})
    # dpo's `extras` add diagnostic columns (ids, scores, reason): DPO needs only these three.
    data = data.select_columns(COLUMNS)

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype="auto")

    config = DPOConfig(
        output_dir=args.output_dir,
        beta=args.beta,
        learning_rate=args.learning_rate,
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        gradient_accumulation_steps=args.gradient_accumulation,
        max_length=args.max_length,
        seed=args.seed,
        logging_steps=10,
        save_strategy="no",
        report_to="none",
    )
    # No ref_model: TRL keeps a frozen copy of `model` as the reference.
    trainer = DPOTrainer(model=model, args=config, train_dataset=data["train"], eval_dataset=data["eval"], processing_class=tokenizer)

    before = numbers(trainer.evaluate())
    trained = trainer.train()
    after = numbers(trainer.evaluate())
    trainer.save_model(args.output_dir)

    metrics = {"train": numbers(trained.metrics), "eval": after, "before": {"eval": before}, "pairs": {"train": len(data["train"]), "eval": len(data["eval"])}}
    os.makedirs(os.path.dirname(os.path.abspath(args.metrics)), exist_ok=True)
    with open(args.metrics, "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2, sort_keys=True)
        f.write("\n")
    acc = after.get("rewards", {}).get("accuracies")
    print(f"eval reward accuracy {acc} on {len(data['eval'])} held-out pairs (before training: {before.get('rewards', {}).get('accuracies')})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
