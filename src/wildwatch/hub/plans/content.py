"""The training modules that ship with wildwatch: a species-identification guide (English and French stored in the
module) and a quiz on public policy content (a ``training`` quiz; its texts are translated by this app's catalog).
``install_modules`` puts them in the database; the data migration ``0002_training_modules`` calls it, and running it
again updates them in place. Only public information here: never quote the confidential keyword library."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop as _

from wildwatch.hub.training.content import ChoiceSpec, QuestionSpec, QuizSpec
from wildwatch.hub.training.content import install as install_quiz

PLATFORM_POLICY_BASICS = QuizSpec(
    slug="platform-policy-basics",
    title=_("Wildlife policy basics for platform staff"),
    introduction=_("Four questions on the public rules behind a platform's wildlife policy."),
    pass_mark=75,
    questions=(
        QuestionSpec(
            _("Under CITES, what is true of a species listed in Appendix II?"),
            (ChoiceSpec(_("It may be traded internationally only with a permit showing that the trade is legal and "
                          "sustainable."), correct=True),
             ChoiceSpec(_("It may never be traded.")),
             ChoiceSpec(_("It may be traded freely: only Appendix I species are controlled.")),),
            _("Appendix II species are not necessarily threatened now, but trade in them is controlled with export "
              "permits so that it does not become a threat."),
        ),
        QuestionSpec(
            _("A seller says an ivory carving is \"antique\". What should a reviewer do?"),
            (ChoiceSpec(_("Approve it: antiques are always allowed.")),
             ChoiceSpec(_("Apply the platform's policy, which usually prohibits ivory whatever its age, and remove "
                          "the listing if it breaks it."), correct=True),
             ChoiceSpec(_("Ask the seller for a photo of the receipt and approve it.")),),
            _("Claims of age are a common way to pass off new ivory. Most coalition members prohibit ivory "
              "altogether, which makes such claims irrelevant."),
        ),
        QuestionSpec(
            _("Which of these are live animals commonly trafficked online? Choose every one that applies."),
            (ChoiceSpec(_("Slow lorises"), correct=True),
             ChoiceSpec(_("Grey parrots"), correct=True),
             ChoiceSpec(_("Domestic hamsters bred in captivity")),
             ChoiceSpec(_("Tortoises and freshwater turtles"), correct=True),),
            _("Primates, parrots, tortoises and turtles are among the live animals most often found in online "
              "wildlife trafficking."),
        ),
        QuestionSpec(
            _("Why does the coalition share one keyword library among member platforms?"),
            (ChoiceSpec(_("So that traffickers moving from one platform to another meet the same screening."),
                        correct=True),
             ChoiceSpec(_("So that platforms can publish the list of code words.")),
             ChoiceSpec(_("To replace the platforms' own review teams.")),),
            _("Traffickers move to the platform with the weakest screening. Shared, confidential knowledge closes "
              "these gaps; reviewers still decide each case."),
        ),
    ),
)

PANGOLIN_GUIDE: dict[str, str] = {
    "slug": "identify-pangolin-products",
    "title": "Recognising pangolin products",
    "title_fr": "Reconnaître les produits de pangolin",
    "body": (
        "Pangolins are the only mammals covered in scales. All eight species are listed in CITES Appendix I: "
        "international commercial trade in them and their parts is prohibited.\n\n"
        "Scales are sold whole or ground, often as traditional medicine. Whole scales are flat, shield-shaped and "
        "brown to amber, with fine lengthwise ridges and a smooth, worn edge; they are made of keratin, like nails.\n\n"
        "Meat, skins and leather goods such as boots and belts with a pattern of overlapping scales are also traded. "
        "Look-alikes are common: plastic or horn imitations have even colours and moulded, regular ridges.\n\n"
        "When in doubt, do not approve: hold the listing for review and ask the partner NGO."),
    "body_fr": (
        "Les pangolins sont les seuls mammifères couverts d’écailles. Les huit espèces sont inscrites à l’annexe I "
        "de la CITES : le commerce international des animaux et de leurs parties est interdit.\n\n"
        "Les écailles sont vendues entières ou en poudre, souvent comme remède traditionnel. Entières, elles sont "
        "plates, en forme de bouclier, brunes à ambrées, avec de fines stries dans la longueur et un bord lisse et "
        "usé ; elles sont en kératine, comme les ongles.\n\n"
        "La viande, les peaux et des articles en cuir comme des bottes et ceintures au motif d’écailles qui se "
        "chevauchent sont aussi vendus. Les imitations sont courantes : en plastique ou en corne, elles ont des "
        "couleurs uniformes et des stries moulées et régulières.\n\n"
        "En cas de doute, n’approuvez pas : gardez l’annonce en examen et demandez à l’ONG partenaire."),
}


def install_modules(module_model: Any = None, quiz_model: Any = None, question_model: Any = None,
                    choice_model: Any = None) -> None:
    """Create or update the guide module and the policy quiz module (a data migration passes historical models)."""
    if module_model is None:
        from wildwatch.hub.training.models import Choice, Question, Quiz

        from .models import TrainingModule

        module_model, quiz_model, question_model, choice_model = TrainingModule, Quiz, Question, Choice
    quiz = install_quiz(PLATFORM_POLICY_BASICS, quiz_model, question_model, choice_model)
    guide = dict(PANGOLIN_GUIDE)
    module_model.objects.update_or_create(slug=guide.pop("slug"), defaults={**guide, "kind": "guide", "position": 1})
    module_model.objects.update_or_create(slug="platform-policy-basics", defaults={
        "kind": "quiz", "position": 2, "title": PLATFORM_POLICY_BASICS.title, "quiz": quiz,
        "title_fr": "", "body": "", "body_fr": ""})
