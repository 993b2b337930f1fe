import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

/** A small hand-drawn SVG chart: a line (a series over time) or bars (one per bucket). */
@Component({
  selector: 'chat-sparkline',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <svg
      class="spark"
      [style.height.px]="height()"
      [attr.viewBox]="'0 0 ' + width() + ' ' + height()"
      preserveAspectRatio="none"
      role="img"
      [attr.aria-label]="description()"
    >
      <title>{{ description() }}</title>
      @if (kind() === 'bar') {
        @for (bar of bars(); track $index) {
          <rect [attr.x]="bar.x" [attr.y]="bar.y" [attr.width]="bar.w" [attr.height]="bar.h" rx="1" />
        }
      } @else if (points()) {
        <polyline class="area" [attr.points]="area()" />
        <polyline class="line" [attr.points]="points()" />
      }
    </svg>
  `,
  styles: `
    :host { display: block; color: var(--c-accent); }
    .spark { display: block; width: 100%; overflow: visible; }
    .line { fill: none; stroke: currentColor; stroke-width: 1.5; vector-effect: non-scaling-stroke; stroke-linejoin: round; }
    .area { fill: currentColor; opacity: 0.12; stroke: none; }
    rect { fill: currentColor; }
  `,
})
export class SparklineComponent {
  readonly values = input.required<readonly number[]>();
  readonly label = input('');
  readonly kind = input<'line' | 'bar'>('line');
  /** Drawing units across; the chart always fills its container's width. */
  readonly width = input(160);
  readonly height = input(36);

  private readonly max = computed(() => Math.max(1, ...this.values()));

  protected readonly description = computed(() => {
    const v = this.values();
    if (v.length === 0) return `${this.label()}: no data yet`;
    return `${this.label()}: latest ${v[v.length - 1]}, highest ${Math.max(...v)} over ${v.length} points`;
  });

  protected readonly points = computed(() => {
    const v = this.values();
    if (v.length === 0) return '';
    const w = this.width();
    const h = this.height() - 2;
    // One sample is a level line, not a point.
    const series = v.length === 1 ? [v[0], v[0]] : v;
    const step = w / (series.length - 1);
    return series.map((value, i) => `${(i * step).toFixed(1)},${(1 + h - (value / this.max()) * h).toFixed(1)}`).join(' ');
  });

  protected readonly area = computed(() => {
    const p = this.points();
    return p ? `0,${this.height()} ${p} ${this.width()},${this.height()}` : '';
  });

  protected readonly bars = computed(() => {
    const v = this.values();
    const slot = this.width() / Math.max(1, v.length);
    return v.map((value, i) => {
      const h = Math.max(value > 0 ? 1 : 0, (value / this.max()) * this.height());
      return { x: i * slot + slot * 0.15, y: this.height() - h, w: slot * 0.7, h };
    });
  });
}
