"""Generate the report notebooks (annual_report, regional_overview, intervention_study) with nbformat.

The notebooks are committed; this script is how they are written, so that changes stay reviewable.
Run: .venv/bin/python tools/make_notebooks.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat as nbf

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {"display_name": "Python (fgte-research)", "language": "python", "name": "fgte-research"}

SETUP = """\
import warnings

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import fgte_research as fr
from fgte_research import municipalities as mun, plots, report
from fgte_research.progression import progression, regional

warnings.filterwarnings("ignore", category=FutureWarning)
plots.apply_style()
%matplotlib inline"""


def md(text: str, tags=()):
    cell = nbf.v4.new_markdown_cell(text)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def code(text: str, tags=()):
    cell = nbf.v4.new_code_cell(text)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def notebook(cells, title: str, name: str) -> nbf.NotebookNode:
    nb = nbf.v4.new_notebook()
    for i, cell in enumerate(cells):
        cell.id = f"{name}-{i:02d}"  # stable ids: regenerating gives the same file (and the same cache key)
    nb.cells = cells
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["fgte"] = {"title_template": title}
    return nb


def annual_report() -> nbf.NotebookNode:
    return notebook([
        code('# Parametrar (papermill ersätter dem)\nmunicipality = "1380"  # kommunkod\nyear = 2025  # '
             'rapportår (vårtermin)\ncomparison_group = "grundskola"  # Koladas liknande kommuner: grundskola '
             '(gymnasiegrupper för gymnasiets indikatorer), gymnasieskola eller socioekonomi', tags=["parameters"]),
        code(SETUP),
        code('municipality_id = mun.resolve(municipality)\nname = mun.name_of(municipality_id)\n'
             'panel = fr.load_panel()\n'
             'display(Markdown(f"# Årsrapport {year} – {name}\\n\\n*From Great to Excellent: uppföljning av '
             'kommunens egen utveckling. Kommunkod {municipality_id}.*"))'),
        md("## Sammanfattning"),
        code("# every indicator, computed once; comparison_group picks Kolada's similar-municipality group\n"
             "results = report.annual_results(municipality_id, panel, comparison_group)\n"
             "display(Markdown(report.summary_md(municipality_id, year, results=results)))"),
        md("## De 13 indikatorerna\n\nVarje diagram visar kommunen (svart heldragen linje) mot riket och länet. "
           "Linjetyp och markör skiljer serierna åt även i gråskala. Ett glapp i linjen betyder att värdet saknas "
           "det året; en prickad lodrät linje markerar ett seriebrott."),
        code("plots.show(plots.indicator_grid(municipality_id, results=results), tight=False)"),
        md("### Utveckling per indikator\n\nTrend per år med 95 % konfidensintervall (OLS och Theil–Sen), "
           "förändring mot första jämförbara år och skillnaden mot referenserna det senaste året. En skillnad "
           "mot en referens är ett sammanhang, inte en placering."),
        code("for ind in fr.INDICATORS:\n"
             "    res = results.get(ind.id) or progression(municipality_id, ind.id, panel=panel)\n"
             "    display(Markdown(f\"**{ind.number}. {ind.title_sv}**\\n\\n\" + res.summary_sv().replace(\"\\n\", \"\\n\\n\")))"),
        md("### Flickor och pojkar\n\nDär källan redovisar kön (Kolada) visas flickors och pojkars värden och "
           "skillnaden. Beskrivande: elevtal per kön saknas, så ingen osäkerhet kan beräknas."),
        code("for sid in ['N15505', 'N15419', 'N15436']:\n"
             "    res = progression(municipality_id, series=sid, panel=panel)\n"
             "    g = res.parts[0].gender\n"
             "    if g is None or g.empty:\n"
             "        display(Markdown(f'{sid}: uppdelning på kön saknas.'))\n"
             "    else:\n"
             "        display(Markdown(f'**{res.parts[0].meta.title_sv}** (flickor, pojkar, skillnad)'))\n"
             "        display(g.tail(6).round(1).set_index('year'))"),
        md("## Gapet mellan förutsättningar och resultat"),
        code("display(Markdown(report.gap_section_md(municipality_id, year)))\n"
             "fig = report.gap_figure(municipality_id, year)\n"
             "if fig is not None:\n"
             "    plt.show()"),
        md("## Mjuka värden"),
        code("display(Markdown(report.soft_values_md(municipality_id)))"),
        md("## Insatser"),
        code("from fgte_research.intervention_study import study\n"
             "entries = report.interventions_for(municipality_id)\n"
             "if not entries:\n"
             "    display(Markdown(f'Inga insatser är registrerade för {name} i params/interventions.yaml.'))\n"
             "for entry in entries:\n"
             "    display(Markdown(f'### {entry.name}\\n\\n{entry.description}'))\n"
             "    if entry.first_treated_year is None:\n"
             "        display(Markdown(f'Startår saknas i registret ({entry.note}); ingen jämförelse före/efter '\n"
             "                         'kan göras.'))\n"
             "        continue\n"
             "    for ind_id in ['ak9_merit', 'ak3_np', 'gy_examen']:\n"
             "        st = study(entry.id, ind_id, municipalities=[municipality_id], "
             "designs=('before_after', 'its', 'synth'))\n"
             "        display(Markdown(st.summary_sv()))\n"
             "        synth_res = [r for r in st.results if r.design == 'synth']\n"
             "        if synth_res:\n"
             "            synth_res[0].plot()\n"
             "            plt.show()"),
        md("## Datanoter"),
        code("display(Markdown(report.data_notes_md()))"),
        code("display(Markdown(report.provenance_md({'municipality': municipality, 'year': year, "
             "'comparison_group': comparison_group})))"),
    ], "Årsrapport {year} – {name}", "annual_report")


def regional_overview() -> nbf.NotebookNode:
    return notebook([
        code('# Parametrar\nmunicipalities = "fgte"  # lista med kommunkoder, en namngiven mängd eller "all"\n'
             'year = 2025', tags=["parameters"]),
        code(SETUP),
        code('ids = mun.resolve_set(municipalities)\npanel = fr.load_panel()\n'
             'display(Markdown(f"# Regional översikt {year}\\n\\n*{len(ids)} kommuner: '
             '{\', \'.join(mun.name_of(m) for m in ids)}. Kommunerna visas i kodordning; ingen rangordning.*"))'),
        md("Översikten visar gruppens samlade utveckling (elevviktat där elevtal finns, annars ovägt medel) och "
           "varje kommuns egen trend med osäkerhet, jämfört med riket."),
        code("for ind in fr.INDICATORS:\n"
             "    if not ind.available:\n"
             "        display(Markdown(f'### {ind.number}. {ind.title_sv}\\n\\nSaknas: {ind.missing_reason}'))\n"
             "        continue\n"
             "    reg = regional(ind.id, ids, panel=panel)\n"
             "    display(Markdown(f'### {ind.number}. {ind.title_sv}\\n\\n' + reg.summary_sv().replace('\\n', '\\n\\n')))\n"
             "    reg.plot()\n"
             "    plt.show()"),
        md("## Datanoter"),
        code("display(Markdown(report.data_notes_md()))"),
        code("display(Markdown(report.provenance_md({'municipalities': municipalities, 'year': year})))"),
    ], "Regional översikt {year}", "regional_overview")


def intervention_study() -> nbf.NotebookNode:
    return notebook([
        code('# Parametrar\nintervention = "samverkan-haparanda"  # id i params/interventions.yaml\n'
             'indicators = ["ak9_merit", "ak9_alla", "ak3_np"]\n'
             'designs = ["before_after", "its", "did", "synth"]\nyear = 2025', tags=["parameters"]),
        code(SETUP),
        code("from fgte_research import interventions as iv\nfrom fgte_research.intervention_study import study\n"
             "entry = iv.get_intervention(intervention)\n"
             "display(Markdown(f'# Insatsstudie: {entry.name}\\n\\n{entry.description}'))\n"
             "display(Markdown('**Källor:** ' + '; '.join(entry.sources)))\n"
             "if entry.assumptions:\n"
             "    display(Markdown('**Antaganden:**\\n' + '\\n'.join(f'- {a.text} (gäller {a.concerns})' "
             "for a in entry.assumptions)))"),
        md("Alla designer visas sida vid sida med sina varningar. Med 5–15 årliga värden är osäkerheten stor; "
           "en skillnad som inte är statistiskt säkerställd betyder inte att insatsen saknat effekt, bara att "
           "datan inte kan visa den."),
        code("tables = []\n"
             "for ind_id in indicators:\n"
             "    st = study(intervention, ind_id, designs=tuple(designs))\n"
             "    display(Markdown(f'## {fr.indicator(ind_id).title_sv}\\n\\n' + st.summary_sv()))\n"
             "    for res in st.results:\n"
             "        if res.design in ('synth', 'its'):\n"
             "            res.plot()\n"
             "            plt.show()\n"
             "    tables.append(st.tidy())"),
        md("## Samlad tabell\n\nEn rad per skattning: design, storhet, skattning och 95 % intervall."),
        code("import pandas as pd\n"
             "table = pd.concat(tables, ignore_index=True)\n"
             "cols = [c for c in ['series', 'design', 'term', 'estimate', 'ci_low', 'ci_high', 'p_value'] "
             "if c in table.columns]\n"
             "display(table[cols].round(2))"),
        code("display(Markdown(report.provenance_md({'intervention': intervention, 'indicators': indicators, "
             "'designs': designs})))"),
    ], "Insatsstudie – {intervention}", "intervention_study")


def main() -> None:
    out = ROOT / "notebooks"
    out.mkdir(exist_ok=True)
    for name, nb in (("annual_report", annual_report()), ("regional_overview", regional_overview()),
                     ("intervention_study", intervention_study())):
        nbf.write(nb, out / f"{name}.ipynb")
        print(f"wrote notebooks/{name}.ipynb")


if __name__ == "__main__":
    main()
