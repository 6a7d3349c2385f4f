// Markdown tables for the statistics of a sweep: test metric with CIs, paired comparisons with
// effect sizes and adjusted p-values, and convergence speed-up.
import type { GroupStatsRow, PairedComparisonRow, SpeedupRow } from './comparisons';
import { fmtNumber, markdownTable, type Align } from './format';
import { metricLabel, thresholdText, type CurveMetric } from './metric';

function fmtP(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '—';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

function fmtFraction(f: number | null): string {
  return f === null ? 'full' : String(f);
}

/** Leading identity columns, shown only when they vary (a single dataset or fraction is said once). */
function idColumns<T extends { dataset: string; fraction: number | null }>(rows: readonly T[]) {
  const showDataset = new Set(rows.map((r) => r.dataset)).size > 1;
  const showFraction = new Set(rows.map((r) => r.fraction)).size > 1;
  return {
    headers: [...(showDataset ? ['dataset'] : []), 'backbone', ...(showFraction ? ['data fraction'] : [])],
    align: [...(showDataset ? ['left'] : []), 'left', ...(showFraction ? ['right'] : [])] as Align[],
    cells: (r: T & { backbone: string }) => [...(showDataset ? [r.dataset] : []), r.backbone, ...(showFraction ? [fmtFraction(r.fraction)] : [])],
  };
}

export interface StatisticsMarkdownInput {
  metric: CurveMetric;
  threshold: number;
  groups: readonly GroupStatsRow[];
  comparisons: readonly PairedComparisonRow[];
  speedups: readonly SpeedupRow[];
  /** p-value adjustment used for `comparisons` (for the text). */
  adjust: 'holm' | 'bh' | 'none';
}

/** Three Markdown sections (## level): CIs, paired tests, speed-up. */
export function statisticsMarkdown(input: StatisticsMarkdownInput): string {
  const m = metricLabel(input.metric);
  const out: string[] = [];
  const g = input.groups;
  if (g.length > 0) {
    const id = idColumns(g);
    const level = `${Math.round(g[0].level * 100)} %`;
    out.push(
      `## Test ${m} with ${level} confidence intervals`,
      '',
      `Mean over seeds and a ${level} ${g[0].method === 't' ? 'Student-t' : 'percentile-bootstrap'} interval for the mean (none when n = 1).`,
      '',
      markdownTable(
        [...id.headers, 'init', 'n', `mean ${m}`, 'sd', `${level} CI`],
        [...id.align, 'left', 'right', 'right', 'right', 'right'],
        g.map((r) => [...id.cells(r), r.init, String(r.n), fmtNumber(r.mean), fmtNumber(r.sd), r.lo === null ? '—' : `[${fmtNumber(r.lo)}, ${fmtNumber(r.hi)}]`]),
      ),
      '',
    );
  }
  const c = input.comparisons;
  if (c.length > 0) {
    const id = idColumns(c);
    const adj = input.adjust === 'holm' ? 'Holm' : input.adjust === 'bh' ? 'Benjamini–Hochberg' : 'no';
    out.push(
      `## Paired comparisons with ${c[0].baseline} (same seeds)`,
      '',
      `Each init against ${c[0].baseline} on the seeds both have: mean difference in test ${m} with its 95 % t-interval; paired t-test with Cohen's d_z (mean ÷ sd of the differences); Wilcoxon signed-rank test (exact for up to 50 pairs without ties or zeros) with the matched-pairs rank-biserial correlation r (from −1 to 1). p-values are two-sided; "adj." columns apply the ${adj} correction over the ${c.length} comparison${c.length === 1 ? '' : 's'} in this table. With 3 seeds the smallest possible Wilcoxon p-value is 0.25.`,
      '',
      markdownTable(
        [...id.headers, 'init', 'pairs', `Δ ${m}`, '95 % CI', 'p (t)', 'adj.', 'd_z', 'p (Wilcoxon)', 'adj.', 'r'],
        [...id.align, 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
        c.map((r) => [
          ...id.cells(r), r.init, String(r.n),
          r.meanDiff === null ? '—' : (r.meanDiff >= 0 ? '+' : '') + fmtNumber(r.meanDiff),
          r.lo === null ? '—' : `[${fmtNumber(r.lo)}, ${fmtNumber(r.hi)}]`,
          fmtP(r.pT), fmtP(r.pTAdjusted), fmtNumber(r.cohenDz, 2), fmtP(r.pW), fmtP(r.pWAdjusted), fmtNumber(r.rankBiserial, 2),
        ]),
      ),
      '',
    );
  }
  const s = input.speedups;
  if (s.length > 0) {
    const id = idColumns(s);
    out.push(
      `## Convergence speed-up over ${s[0].baseline}`,
      '',
      `Mean steps until ${thresholdText(input.metric, input.threshold)} of ${s[0].baseline} divided by that of the init (> 1: the init converges faster), with a 95 % bootstrap interval (runs resampled within each init, 2000 resamples, fixed seed). A run that never reached the threshold is counted at the number of steps it trained — a lower bound on its true time — so the estimate is marked "≥" when only ${s[0].baseline} runs were censored (the true speed-up is at least this), "≤" when only the init's were, and "?" when both were.`,
      '',
      markdownTable(
        [...id.headers, 'init', 'speed-up', '95 % CI', `censored ${s[0].baseline}`, 'censored init'],
        [...id.align, 'left', 'right', 'right', 'right', 'right'],
        s.map((r) => [
          ...id.cells(r), r.init,
          r.speedup === null ? '—' : `${{ exact: '', lower: '≥ ', upper: '≤ ', unknown: '? ' }[r.bound]}${fmtNumber(r.speedup, 2)}×`,
          r.lo === null ? '—' : `[${fmtNumber(r.lo, 2)}, ${fmtNumber(r.hi, 2)}]`,
          `${r.censoredBaseline}/${r.nBaseline}`, `${r.censoredTreatment}/${r.nTreatment}`,
        ]),
      ),
      '',
    );
  }
  return out.join('\n');
}
