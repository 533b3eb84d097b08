"""The words of the Learn view: the glossary and the guided tour's steps.

Texts only, so a trainer can edit them without reading any code. A tour step's ``weeks`` is how
many weeks the model runs on when the step is first shown (0: the run stays where it is; going
back and forth never runs it again); its ``target`` is the CSS selector of what it describes,
which the tour scrolls to and outlines.
"""

from __future__ import annotations

from typing import Any

GLOSSARY: dict[str, str] = {
    "Delayed transfer of care": "A patient who is medically fit to leave hospital but is still in an acute bed, "
                                "usually waiting for an assessment, a care package or a place in step-down or "
                                "residential care. Counted here as 'delayed transfers'; the bed-days they use are "
                                "'delayed bed days'.",
    "Ceded leadership": "Leaders hand decisions to the people closest to the work: frontline teams, partner "
                        "organisations and citizens. It raises agency, so fewer staff wait for instruction.",
    "Co-production": "Designing support with the citizen from the start rather than consulting them on a "
                     "finished plan. Shown as 'early involvement share'.",
    "Psychological safety": "The shared belief in a team that it is safe to speak up, admit a mistake or report "
                            "an error without being punished for it.",
    "Systems leadership": "Leading across organisations that no one leader controls: by influence, a shared "
                          "ambition, ceding control and answering failure with joint review rather than blame.",
    "Blame culture": "Failures are answered by finding a person or another organisation at fault. People learn "
                     "to cover themselves and retreat behind their organisation's boundary.",
    "Defensiveness": "Retreat behind one's own boundary under threat: keeping to one's own targets, escalating "
                     "instead of acting, spending time on covering oneself (threat rigidity).",
    "Cross-boundary trust": "How far two organisations expect each other to act in good faith. It builds slowly "
                            "through small joint wins and collapses quickly when one blames the other.",
    "Working ties": "Relationships between staff of different organisations that make joint work easier. They "
                    "form from successful joint work and decay under blame.",
    "Trusted assessor": "A person from one organisation whose assessment another organisation accepts, so a "
                        "patient need not wait to be assessed twice before leaving hospital.",
    "Pilot (experiment)": "A small trial of a new way of working with an uncertain pay-off. It may be stopped, or "
                          "scaled when it works well enough.",
    "Clumsy solution": "An imperfect answer to a wicked problem that many parties can live with (Grint). "
                       "Leaders who accept partial gains scale such pilots instead of waiting for a perfect one.",
    "Step-down care": "Short-term community care (intermediate care) between hospital and home.",
    "Eligibility threshold": "The level of care need above which the council pays for home care. It rises when "
                             "money is short, so people with moderate needs go without.",
    "Pooled budget": "Part of the hospital's and the council's money held in common, so it can be spent where it "
                     "helps the whole place (e.g. home care that frees a hospital bed).",
    "Outsiders and insiders": "Citizens on the outside (marginalised, with least access to voice) are heard only "
                              "when staff reach out; insiders are heard more easily.",
    "Replicate": "One run of the same scenario with a different random seed. Several replicates show how much of "
                 "a result is luck.",
    "Same seeds (common random numbers)": "Two scenarios compared with the same seeds meet the same random events, "
                                          "so their difference reflects leadership, not luck.",
    "90% interval": "The range that holds the true average difference with 90% confidence, from the paired "
                    "replicates. An interval that crosses zero means no clear difference.",
    "Intervention": "A change made by a trainer mid-run (leadership style, pressure, budgets). It acts from the "
                    "next week on and is marked on every chart.",
}

TOUR: list[dict[str, Any]] = [
    {"title": "Welcome", "target": ".slsim-narrative", "weeks": 0,
     "text": "This is the first scenario of the library: read its story on the left. The place has a hospital, "
             "community health, adult social care, primary care and the voluntary sector, serving a few thousand "
             "citizens. Press Next to run the first half-year (26 weeks)."},
    {"title": "The place as a network", "target": ".slsim-net-box", "weeks": 26,
     "text": "Each big circle is an organisation, each dot a member of staff, coloured from blue (open) to "
             "orange (defensive). The bands between organisations widen as their staff form working ties and are "
             "coloured by trust, from dark blue (low) to yellow (high); the legend gives this week's range."},
    {"title": "How people think", "target": ".slsim-level-thinking", "weeks": 0,
     "text": "The first group of charts: systems mindset, defensiveness, psychological safety and trust across "
             "boundaries. These move first when leadership changes."},
    {"title": "How people behave", "target": ".slsim-level-behaving", "weeks": 0,
     "text": "The second group: time spent working across boundaries, citizens involved from the start, blame "
             "events, pilots started and scaled, staff waiting for instruction."},
    {"title": "What happens on the ground", "target": ".slsim-level-ground", "weeks": 0,
     "text": "The third group: delayed transfers of care, cancelled operations, home-care visit length, unmet "
             "need, staff turnover and money. These follow behaviour, with a lag."},
    {"title": "Why: the event log", "target": ".slsim-eventlog", "weeks": 0,
     "text": "Below the charts, the event log says in words what happened each week. Click a week to highlight "
             "it on every chart; filter by kind (blame, joint review, pilots...)."},
    {"title": "What to try next", "target": ".slsim-trainer", "weeks": 0,
     "text": "In 'Intervene now', switch this place to another leadership style, then Play and watch what "
             "follows: the change is marked on every chart. Or open Compare to run two scenarios with the same "
             "seeds and see the bands and the differences in one sentence per group."},
]
