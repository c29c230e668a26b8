"""The quizzes that ship with wildwatch, as data, and ``install`` to put one in the database (a data migration
does it; running it again updates a quiz in place).

Quiz texts are stored in English and shown through the translation catalogs (``gettext_noop`` marks them here, so
the French catalog of this app must translate every one). A quiz written elsewhere (in the admin) shows as written.
Do not quote terms of the keyword library here: the quiz is shown to volunteers and the library is confidential.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop as _


@dataclass(frozen=True)
class ChoiceSpec:
    text: str
    correct: bool = False


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    choices: tuple[ChoiceSpec, ...]
    explanation: str = ""


@dataclass(frozen=True)
class QuizSpec:
    slug: str
    title: str
    questions: tuple[QuestionSpec, ...]
    introduction: str = ""
    pass_mark: int = 80
    active: bool = True


CYBER_SPOTTER_BASICS = QuizSpec(
    slug="cyber-spotter-basics",
    title=_("Cyber spotter basics"),
    introduction=_("Five questions on recognising wildlife trafficking online and reporting it safely."),
    pass_mark=80,
    questions=(
        QuestionSpec(
            _("A listing for a carved bangle calls its material by an odd nickname instead of naming it, and "
              "promises discreet shipping. What does this suggest?"),
            (ChoiceSpec(_("Nothing: sellers often give their products nicknames.")),
             ChoiceSpec(_("The nickname may be a code word hiding a prohibited product such as ivory: report the "
                          "listing and say why in your notes."), correct=True),
             ChoiceSpec(_("Message the seller to ask what the material really is.")),),
            _("Traffickers avoid the real names of products that platforms block, and use nicknames, misspellings or "
              "emojis instead. Report what you see; never contact a seller yourself."),
        ),
        QuestionSpec(
            _("What does it mean that a species is listed in CITES Appendix I?"),
            (ChoiceSpec(_("International commercial trade in it is prohibited, with very rare exceptions."),
                        correct=True),
             ChoiceSpec(_("It may be sold freely by any seller with a shop licence.")),
             ChoiceSpec(_("It is protected only in the country where it lives.")),),
            _("Appendix I lists species threatened with extinction: commercial trade across borders is banned. "
              "Species in Appendices II and III may be traded only with permits that prove their legal origin."),
        ),
        QuestionSpec(
            _("Which details make a report most useful to reviewers? Choose every one that applies."),
            (ChoiceSpec(_("The exact web address of each listing."), correct=True),
             ChoiceSpec(_("The seller's handle and the contacts shown in the listing."), correct=True),
             ChoiceSpec(_("The seller's home address, found by searching other websites.")),
             ChoiceSpec(_("A short note on what made you suspicious."), correct=True),),
            _("Give each listing's address, what the listing itself shows about the seller, and why you are "
              "suspicious. Do not investigate sellers beyond their listings: that is the job of law enforcement."),
        ),
        QuestionSpec(
            _("While checking a listing, you see a buyer's name and phone number in the comments. What do you do "
              "with them?"),
            (ChoiceSpec(_("Copy them into your report's notes, so that the buyer can be traced.")),
             ChoiceSpec(_("Leave them out: report the listing with only the seller's details shown in it."),
                        correct=True),
             ChoiceSpec(_("Share them on social media to warn others.")),),
            _("Collect only what the report needs. Other people's personal data stays out of reports, and nothing "
              "about a report is ever made public."),
        ),
        QuestionSpec(
            _("A seller of live parrots asks for a deposit to reserve a bird before giving more details. What do you "
              "do?"),
            (ChoiceSpec(_("Pay a small deposit: the evidence is worth it.")),
             ChoiceSpec(_("Never buy, pay or bargain: report the listing with what you can see."), correct=True),
             ChoiceSpec(_("Arrange to meet the seller and take photos.")),),
            _("Cyber spotters watch and report; they never buy, pay, bargain with or meet sellers. Buying feeds the "
              "trade and can put you in danger."),
        ),
    ),
)

#: every quiz that ships with wildwatch, by slug
QUIZZES: dict[str, QuizSpec] = {CYBER_SPOTTER_BASICS.slug: CYBER_SPOTTER_BASICS}


def install(spec: QuizSpec, quiz_model: Any = None, question_model: Any = None, choice_model: Any = None) -> Any:
    """Create or update the quiz ``spec.slug`` from ``spec`` (questions and choices matched by position; extra ones
    removed). The models default to the current ones; a data migration passes its historical models."""
    if quiz_model is None:
        from .models import Choice, Question, Quiz

        quiz_model, question_model, choice_model = Quiz, Question, Choice
    quiz, _created = quiz_model.objects.update_or_create(slug=spec.slug, defaults={
        "title": spec.title, "introduction": spec.introduction, "pass_mark": spec.pass_mark, "active": spec.active})
    for position, q in enumerate(spec.questions, 1):
        if sum(c.correct for c in q.choices) < 1:
            raise ValueError(f"{spec.slug} question {position} has no right answer")
        question, _created = question_model.objects.update_or_create(
            quiz=quiz, position=position, defaults={"text": q.text, "explanation": q.explanation})
        for number, c in enumerate(q.choices, 1):
            choice_model.objects.update_or_create(question=question, position=number,
                                                  defaults={"text": c.text, "correct": c.correct})
        choice_model.objects.filter(question=question, position__gt=len(q.choices)).delete()
    question_model.objects.filter(quiz=quiz, position__gt=len(spec.questions)).delete()
    return quiz
