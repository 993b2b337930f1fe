import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface Scrape {
  /** The family's type as the exposition says (COUNTER, GAUGE, HISTOGRAM), or undefined when it is missing. */
  type(name: string): string | undefined;
  /** Sum of a counter's or gauge's samples whose labels include `labels`. */
  value(name: string, labels?: Record<string, string>): number;
  /** Sum of a histogram's observation counts whose labels include `labels`. */
  count(name: string, labels?: Record<string, string>): number;
  /** Every label set a family has. */
  labels(name: string): Record<string, string>[];
  names(): string[];
}

/**
 * A scrape read with a real exposition-format parser. parse-prometheus-text-format 1.1.1 folds a
 * histogram with labels into one sample (it only handles unlabelled ones), so histograms are read a
 * second time declared untyped: the parser then returns `<name>_count` as a family of its own, one
 * sample per label set.
 */
export function parseScrape(text: string): Scrape {
  const families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
  // Each label set's _bucket/_sum/_count lines come together, so one name recurs once per label set.
  const series = new Map<string, { metrics: { value?: string; labels?: Record<string, string> }[] }>();
  for (const family of parsePrometheusTextFormat(text.replace(/^(# TYPE \S+) histogram$/gm, '$1 untyped'))) {
    series.set(family.name, { metrics: [...(series.get(family.name)?.metrics ?? []), ...family.metrics] });
  }
  const matching = (source: Map<string, { metrics: { value?: string; labels?: Record<string, string> }[] }>, name: string, labels: Record<string, string>) =>
    (source.get(name)?.metrics ?? []).filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
  const sum = (samples: { value?: string }[]) => samples.reduce((total, sample) => total + Number(sample.value), 0);
  return {
    type: (name) => families.get(name)?.type,
    value: (name, labels = {}) => sum(matching(families, name, labels)),
    count: (name, labels = {}) => sum(matching(series, `${name}_count`, labels)),
    labels: (name) => (series.get(`${name}_count`) ?? families.get(name))?.metrics.map((sample) => sample.labels ?? {}) ?? [],
    names: () => [...families.keys()],
  };
}

export async function scrape(baseUrl: string, token?: string): Promise<Scrape> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parseScrape(await response.text());
}
