"""Each question type carries its own behaviour (input hint, judging, right answer,
verdict, page template), and the quiz session loop runs without any I/O."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tutor import grading, quiz
from tutor import quiz_session as qs
from tutor.answers import InvalidAnswer
from tutor.question_bank import load_bank
from tutor.questions import QUESTION_MODELS, TYPES

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "questions"
TEMPLATES = REPO_ROOT / "docs" / "overrides"


@pytest.fixture(scope="module")
def bank():
    return load_bank([FIXTURES])


def sample(bank, qtype):
    return next(q for q in bank if q.type == qtype)


def right_input(item):
    q = item.question
    if q.type == "numeric":
        return repr(q.answer)
    if q.type == "free_text":
        return "y"
    return item.question.right_answer(item.order)


@pytest.mark.parametrize("qtype", TYPES)
def test_every_type_has_all_its_behaviour(bank, qtype):
    model = QUESTION_MODELS[qtype]
    assert model.page_template == f"quiz/{qtype}.html"
    assert model.type_label
    if (TEMPLATES / "quiz").is_dir():  # the page templates, once the site has them
        assert (TEMPLATES / model.page_template).is_file(), model.page_template
    item = quiz.shuffle_choices(sample(bank, qtype), random.Random(1))
    q = item.question
    # None of these may fall back to the base class's NotImplementedError.
    assert q.expected_input(item.order)
    right = q.judge(right_input(item), item.order)
    assert right.correct, (qtype, right_input(item))
    assert q.right_answer(item.order)
    assert q.verdict(right, item.order).startswith("✓")
    with pytest.raises(InvalidAnswer):
        q.judge("???", item.order)


def test_the_types_are_exactly_the_models():
    assert tuple(QUESTION_MODELS) == TYPES
    for qtype, model in QUESTION_MODELS.items():
        assert model.model_fields["type"].annotation.__args__ == (qtype,)


def test_wrong_answers_get_a_verdict_naming_the_right_one(bank):
    item = quiz.shuffle_choices(sample(bank, "single_choice"), random.Random(2))
    q = item.question
    wrong = next(i for i in item.order if i != q.answer)
    grade = q.judge(item.letter(wrong), item.order)
    assert not grade.correct
    assert q.verdict(grade, item.order) == f"✗ Wrong: the answer is {item.letter(q.answer)}."
    explained = q.explained_choices(grade, item.order)
    assert [i for i, _, _ in explained] == list(item.order)
    assert (wrong, True, False) in explained and (q.answer, False, True) in explained
    tf = quiz.shuffle_choices(sample(bank, "true_false"), random.Random(2))
    missed = tf.question.judge("f" if tf.question.answer else "t")
    assert tf.question.verdict(missed).startswith("✗ Wrong: the statement is ")


# --------------------------------------------------------------------------- the session


class FakeGrader:
    """Stands in for the sentence encoder: fixed feedback, or none (not installed)."""

    def __init__(self, feedback=None, note=None):
        self.result, self.note, self.warmed = feedback, note, 0

    def warm_up(self):
        self.warmed += 1

    def feedback(self, item, answer):
        if self.note:
            yield qs.Note(self.note)
        yield self.result


def judged(item, *statuses):
    """Automatic feedback on ``item`` with these statuses for its key points."""
    return grading.Feedback(
        tuple(
            grading.PointResult(point, status, 0.5, "a clause")
            for point, status in zip(item.question.key_points, statuses, strict=True)
        )
    )


def session_for(bank, qtypes, grader=None):
    rng = random.Random(0)
    items = [quiz.shuffle_choices(sample(bank, t), rng) for t in qtypes]
    saved = []
    session = qs.QuizSession(
        items,
        save=lambda item, grade: saved.append((item.question.id, grade.correct)),
        grader=grader or FakeGrader(),
    )
    return session, saved


def test_a_session_asks_reasks_and_saves_each_answer(bank):
    session, saved = session_for(bank, ["single_choice", "numeric"])
    ask = session.ask()
    assert (ask.number, ask.total, ask.first, ask.stage) == (1, 2, True, "answer")
    assert ask.prompt.startswith("Your answer (a letter a-")
    assert [type(e) for e in session.answer("zz")] == [qs.Invalid]
    again = session.ask()
    assert again.item is ask.item and not again.first and saved == []
    (done,) = session.answer(right_input(ask.item))
    assert isinstance(done, qs.Answered) and done.grade.correct
    ask = session.ask()
    assert ask.number == 2 and ask.first
    list(session.answer("not a number"))
    (done,) = session.answer("-12345")
    assert not done.grade.correct
    assert session.ask() is None
    assert saved == [(i.question.id, ok) for i, ok in zip(session.items, [True, False])]
    summary = session.summary()
    assert (summary.score, summary.total) == (1, 2)


def test_free_text_with_feedback_asks_for_a_verdict_enter_keeps_it(bank):
    grader = FakeGrader()
    session, saved = session_for(bank, ["free_text"], grader)
    grader.result = judged(session.items[0], "covered", "missed")  # 0.5: the pass mark
    ask = session.ask()
    assert ask.prompt == qs.FREE_TEXT_PROMPT and grader.warmed == 1
    events = list(session.answer("An answer in my own words."))
    assert [type(e) for e in events] == [qs.Feedback, qs.Reveal]
    assert events[1].key_points is False
    ask = session.ask()
    assert ask.stage == "verdict" and ask.prompt.startswith("Count it as right?")
    assert [type(e) for e in session.answer("maybe")] == [qs.Invalid]
    (done,) = session.answer("")
    assert done.grade.correct and not done.grade.overridden
    assert done.grade.record_extra() == {"score": 0.5, "overridden": False}
    assert saved == [(ask.item.question.id, True)]


def test_unsure_points_are_self_checked_before_the_verdict(bank):
    grader = FakeGrader()
    session, saved = session_for(bank, ["free_text"], grader)
    grader.result = judged(session.items[0], "unsure", "unsure")
    assert grader.result.suggested is None  # open until the learner judges them
    session.ask()
    events = list(session.answer("An answer the grader cannot place."))
    assert [type(e) for e in events] == [qs.Feedback]  # no model answer before the check
    ask = session.ask()
    assert ask.stage == "self-check" and ask.prompt == qs.SELF_CHECK_PROMPT
    for bad in ("3", "one", "0,1"):
        assert [type(e) for e in session.answer(bad)] == [qs.Invalid]
    assert session.ask().stage == "self-check" and saved == []
    checked, reveal = session.answer("2")
    assert isinstance(checked, qs.Checked) and isinstance(reveal, qs.Reveal)
    points = session.items[0].question.key_points
    assert checked.feedback.covered == [points[1]] and checked.feedback.missed == [points[0]]
    assert [p.by for p in checked.feedback.points] == ["learner", "learner"]
    assert checked.feedback.score == 0.5 and checked.feedback.suggested is True
    ask = session.ask()
    assert ask.stage == "verdict" and ask.prompt.startswith("Count it as right?")
    (done,) = session.answer("")
    assert done.grade.correct and done.grade.feedback is checked.feedback
    assert done.grade.feedback.to_dict()["ticked"] == [points[1]]
    assert saved == [(ask.item.question.id, True)]
    # Enter ticks none: every unsure point is then missed, and the verdict follows.
    session, _ = session_for(bank, ["free_text"], FakeGrader(grader.result))
    session.ask()
    list(session.answer("Another answer."))
    checked, _reveal = session.answer("")
    assert checked.feedback.score == 0 and checked.feedback.suggested is False
    assert session.ask().prompt.startswith("Count it as missed?")


def test_free_text_without_the_encoder_is_self_graded(bank):
    grader = FakeGrader(None, note="No automatic feedback: not installed.")
    session, saved = session_for(bank, ["free_text"], grader)
    session.ask()
    events = list(session.answer("Words."))
    assert [type(e) for e in events] == [qs.Note, qs.Reveal] and events[1].key_points
    assert session.ask().prompt == qs.SELF_GRADE_PROMPT
    (done,) = session.answer("n")
    assert not done.grade.correct and done.grade.feedback is None
    assert saved == [(done.item.question.id, False)]


def test_blank_and_off_topic_free_text_are_missed_without_a_verdict(bank):
    session, saved = session_for(bank, ["free_text", "free_text"], FakeGrader())
    session.ask()
    events = list(session.answer("  ...  "))
    assert [type(e) for e in events] == [qs.Reveal, qs.Answered] and events[1].grade.empty
    off = grading.Feedback(judged(session.items[1], "missed", "missed").points, ("off topic",))
    session.grader = FakeGrader(off)
    session.ask()
    events = list(session.answer("Pasta with basil."))
    assert [type(e) for e in events] == [qs.Feedback, qs.Reveal, qs.Answered]
    assert not events[-1].grade.correct
    assert session.ask() is None and [ok for _, ok in saved] == [False, False]


def test_a_stopped_session_asks_nothing_more(bank):
    session, saved = session_for(bank, ["true_false", "true_false"])
    session.ask()
    session.stop("end-of-input")
    assert session.ask() is None and session.stopped == "end-of-input"
    with pytest.raises(RuntimeError):
        list(session.answer("t"))
    assert saved == []
