"""The titles the quiz pages give levels and topics (and the topics' order on a page).

The one place the site reads them from. They move to the course data (``tutor/course.py``
with ``tutor/course.yaml``: ``level_title``, ``level_intro``, ``topic_title``); when it
lands, each function below becomes a one-line call to it.
"""

from __future__ import annotations

LEVEL_TITLES = {
    "easy": "Easy interview questions",
    "medium": "Medium interview questions",
}
LEVEL_INTROS = {
    "easy": "Definitions and one-step reasoning: what BERT is, what softmax returns, what "
    "the special tokens are for.",
    "medium": "Two or three steps of reasoning, small calculations and design choices: "
    "the loss of a prediction, a fine-tuning recipe, why a pre-training task was dropped.",
}
# Also the order of the topic sections on a quiz page (the course's order).
TOPIC_TITLES = {
    "self-attention": "Self-attention",
    "pretraining-finetuning": "Pre-training and fine-tuning",
    "transfer-learning": "Transfer learning",
    "bert-architecture": "BERT's architecture",
    "bert-inputs": "BERT's inputs",
    "mlm": "Masked language modelling",
    "nsp": "Next sentence prediction",
    "softmax": "Softmax",
    "cross-entropy": "Cross-entropy",
    "bidirectionality": "Bidirectionality",
    "model-comparison": "Comparing models",
    "t5": "T5",
    "fine-tuning-practice": "Fine-tuning in practice",
    "hf-api": "The Hugging Face API",
    "task-heads": "Task heads",
    "evaluation": "Evaluation",
    "production": "To production",
}


def level_title(level: str) -> str:
    """ "Easy interview questions"; an unknown level reads "<Level> questions"."""
    return LEVEL_TITLES.get(level, level.title() + " questions")


def level_intro(level: str) -> str:
    return LEVEL_INTROS.get(level, "")


def topic_title(topic: str) -> str:
    return TOPIC_TITLES.get(topic, topic)


def topic_order() -> list[str]:
    """The topic ids in the course's order (the order of the sections on a quiz page)."""
    return list(TOPIC_TITLES)
