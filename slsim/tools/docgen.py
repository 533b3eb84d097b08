"""Keep ``docs/model.md`` true to the code: its generated sections come from the code itself.

``python -m slsim.tools.docgen`` rewrites the parts of ``docs/model.md`` between
``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->`` markers:

* ``processes``: the rules of every weekly process, from each module's docstring;
* ``parameters``: every parameter with default, range, unit, help and source;
* ``outcomes``: the outcome columns by level, with units;
* ``scenarios``: the scenario library with titles and narratives.

``python -m slsim.tools.docgen --check`` exits 1 if the file is out of date (the test suite runs it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"  # slsim/tools/docgen.py -> the checkout


def _coefficient_table(block) -> str:
    """A block's coefficients as a table: full name, default, range, unit, meaning, source."""
    lines = [f"_Coefficients (`{block.name}.*`; change any with `--set {block.name}.NAME=VALUE`):_", "",
             "| coefficient | default | range | unit | meaning | source |", "|---|---|---|---|---|---|"]
    for c in block:
        lo, hi = c.range
        lines.append(f"| `{block.full_name(c.name)}` | {c.default} | {lo} to {hi} | {c.unit} | {c.help} | {c.source} |")
    return "\n".join(lines) + "\n"


def _processes() -> str:
    from slsim.model.processes import BLOCKS, PROCESSES, shared
    parts = []
    owned = set()
    for i, process in enumerate(PROCESSES, start=2):
        name = process.name
        doc = (process.module.__doc__ or "").strip()
        title, _, body = doc.partition("\n")
        parts.append(f"### {i}. {title.rstrip('.')}\n\n_Module `slsim/model/processes/{name}.py`._\n\n{body.strip()}\n")
        block = getattr(process.module, "COEFFICIENTS", None)
        if block is not None:
            parts.append(_coefficient_table(block))
            owned.add(block.name)
    title, _, body = (shared.__doc__ or "").strip().partition("\n")
    parts.append(f"### Shared rules and the place's structure\n\n_Module `slsim/model/processes/shared.py`, "
                 f"and the place's structure in `slsim/model/place.py`, `population.py` and `march.py`._ "
                 f"{title}\n\n{body.strip()}\n")
    parts += [_coefficient_table(b) for b in BLOCKS if b.name not in owned]
    return "\n".join(parts)


def _parameters() -> str:
    from slsim.model.params import parameter_table
    lines = []
    for group, title in (("place", "The place"), ("behaviour", "Behaviour of people"),
                         ("leadership", "Leadership style")):
        lines += [f"#### {title}", "", "| name | default | range | unit | meaning | source |",
                  "|---|---|---|---|---|---|"]
        for r in parameter_table():
            if r["group"] != group:
                continue
            rng = f"{r['min']} to {r['max']}" if r["min"] is not None else ""
            default = r["default"]
            lines.append(f"| `{r['name']}` | {default} | {rng} | {r['unit']} | {r['help']} | {r['source']} |")
        lines.append("")
    return "\n".join(lines)


def _outcomes() -> str:
    from slsim.model.metrics import EXTRA, LEVEL_TITLES, OUTCOMES
    lines = []
    for level, title in LEVEL_TITLES.items():
        lines += [f"#### {title} ({level})", "", "| column | unit | meaning |", "|---|---|---|"]
        for table, tag in ((OUTCOMES, ""), (EXTRA, " (extra)")):
            for name, (lvl, unit, desc) in table.items():
                if lvl == level:
                    lines.append(f"| `{name}`{tag} | {unit} | {desc} |")
        lines.append("")
    return "\n".join(lines)


def _scenarios() -> str:
    from slsim.model.scenario import list_scenarios, resolve_scenario
    lines = []
    for name in list_scenarios():
        sc = resolve_scenario(name)
        changes = ", ".join(f"`{k}` {v}" for k, v in sc.params.items() if k != "leadership_overrides")
        if "leadership_overrides" in sc.params:
            changes += "; leadership overrides for " + ", ".join(sc.params["leadership_overrides"])
        timeline = "; ".join(f"week {ev.week}: {ev.note or ev.set}" for ev in sc.timeline)
        lines.append(f"**`{name}`: {sc.title}.** {sc.narrative}")
        lines.append("")
        lines.append(f"_Parameters:_ {changes or 'the default place'}."
                     + (f" _Timeline:_ {timeline}." if timeline else ""))
        lines.append("")
    return "\n".join(lines)


SECTIONS = {"processes": _processes, "parameters": _parameters, "outcomes": _outcomes, "scenarios": _scenarios}


def render(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"{DOC}: missing the markers for the generated section '{name}'")
        body = make().rstrip() + "\n"
        text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text)
    return text


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = DOC.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print(f"{DOC} is out of date: run `python -m slsim.tools.docgen`", file=sys.stderr)
            return 1
        return 0
    if new != text:
        from slsim.results.output import write_atomic
        write_atomic(DOC, lambda p: p.write_text(new, encoding="utf-8"))
        print(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
