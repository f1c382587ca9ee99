// Presentational pieces (pure: props in, markup out), tested with react-dom/server.

import type { AgentDto, CampaignDto, FiguresDto, TranscriptDto } from '../shared/dto.js';
import type { Lang, MessageKey } from './i18n.js';
import { translate } from './i18n.js';

export type T = (key: MessageKey) => string;
export const tFor =
  (lang: Lang): T =>
  (key) =>
    translate(lang, key);

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** A campaign's pacing in a few symbols: progressive's ratio, predictive's abandon target and cap, AMD. */
export function pacingText(c: Pick<CampaignDto, 'pacing' | 'amd'>): string {
  const p = c.pacing;
  const parts = [
    ...(p.ratio !== undefined ? [`×${p.ratio}`] : []),
    ...(p.targetAbandonRate !== undefined ? [`≤ ${pct(p.targetAbandonRate)}`] : []),
    ...(p.maxDialRatio !== undefined ? [`≤ ×${p.maxDialRatio}`] : []),
    ...(c.amd ? [p.amdHumanFalsePositiveRate ? `AMD (${pct(p.amdHumanFalsePositiveRate)})` : 'AMD'] : []),
  ];
  return parts.join(' · ');
}

/** A labelled number input within its bounds. */
export function NumberField(props: {
  label: string;
  name: string;
  min: number;
  max: number;
  step: number;
  value: number;
  onChange: (value: number) => void;
}) {
  return (
    <label>
      {props.label}{' '}
      <input
        name={props.name}
        type="number"
        min={props.min}
        max={props.max}
        step={props.step}
        value={props.value}
        onChange={(e) => props.onChange(Number(e.target.value))}
      />
    </label>
  );
}

/** A line chart of one or two series in inline SVG (no chart library needed for this). */
export function LineChart(props: {
  series: { name: string; color: string; points: readonly number[] }[];
  width?: number;
  height?: number;
}) {
  const width = props.width ?? 480;
  const height = props.height ?? 120;
  const max = Math.max(1e-9, ...props.series.flatMap((s) => s.points));
  return (
    <svg width={width} height={height} role="img" data-testid="chart" style={{ background: '#f7f7f9' }}>
      {props.series.map((s) => {
        const n = s.points.length;
        const d = s.points
          .map(
            (v, i) =>
              `${i === 0 ? 'M' : 'L'}${((i / Math.max(1, n - 1)) * (width - 8) + 4).toFixed(1)},${(height - 4 - (v / max) * (height - 8)).toFixed(1)}`,
          )
          .join(' ');
        return <path key={s.name} d={d} fill="none" stroke={s.color} strokeWidth={2} data-series={s.name} />;
      })}
    </svg>
  );
}

export function Tile(props: { label: string; value: string | number; testId?: string }) {
  return (
    <div className="tile" data-testid={props.testId}>
      <div className="tile-value">{props.value}</div>
      <div className="tile-label">{props.label}</div>
    </div>
  );
}

export function FiguresPanel({ f, t }: { f: FiguresDto; t: T }) {
  return (
    <div>
      <div className="tiles">
        <Tile label={t('dialing')} value={f.dialing} testId="dialing" />
        <Tile label={t('ringing')} value={f.ringing} testId="ringing" />
        <Tile label={t('talking')} value={f.talking} testId="talking" />
        <Tile
          label={t('waiting')}
          value={Math.max(0, f.answered - f.connected - f.abandoned - f.machines)}
          testId="waiting"
        />
        <Tile label={t('dialed')} value={f.dialed} testId="dialed" />
        <Tile label={t('connectRate')} value={pct(f.connectRate)} testId="connect-rate" />
        <Tile label={t('abandonRate')} value={pct(f.abandonRate)} testId="abandon-rate" />
        <Tile label={t('occupancy')} value={pct(f.occupancy)} testId="occupancy" />
        <Tile label={t('pacingRatio')} value={f.pacingRatio.toFixed(2)} testId="pacing" />
      </div>
      <h3>{t('agentsByState')}</h3>
      <div className="tiles">
        <Tile label={t('ready')} value={f.agents.ready} />
        <Tile label={t('talking')} value={f.agents.talking} />
        <Tile label={t('wrapUp')} value={f.agents.wrapUp} />
        <Tile label={t('paused')} value={f.agents.paused} />
      </div>
      <h3>{t('abandonRate')}</h3>
      <ul data-testid="windows">
        {f.abandonWindows.map((w) => (
          <li key={`${w.rulePack}-${w.windowDays}`}>
            {w.rulePack} {w.windowDays}d: {pct(w.rate)} / {pct(w.limit)} — {t('budgetLeft')} {w.budgetLeft}
          </li>
        ))}
      </ul>
      <h3>{t('lineHealth')}</h3>
      <ul data-testid="line-health">
        {Object.entries(f.failedByCause).map(([cause, n]) => (
          <li key={cause}>
            {cause}: {n}
          </li>
        ))}
      </ul>
      <h3>{t('denials')}</h3>
      <ul data-testid="denials">
        {Object.entries(f.deniedByReason).map(([reason, n]) => (
          <li key={reason}>
            {reason}: {n}
          </li>
        ))}
      </ul>
    </div>
  );
}

const STATE_COLOURS: Record<string, string> = {
  ready: '#3a3',
  talking: '#36c',
  wrap_up: '#c93',
  paused: '#999',
  reserved: '#93c',
  logged_out: '#ddd',
};

export function AgentGrid({ agents }: { agents: readonly (AgentDto & { eventAt?: number })[] }) {
  return (
    <div className="agent-grid" data-testid="agent-grid">
      {agents.map((a) => (
        <span
          key={a.agentId}
          title={`${a.agentId} ${a.state}`}
          data-agent={a.agentId}
          data-state={a.state}
          data-event-at={a.eventAt}
          style={{ background: STATE_COLOURS[a.state] ?? '#eee' }}
        />
      ))}
    </div>
  );
}

export function Banner({ text, kind }: { text: string; kind: 'error' | 'info' }) {
  return (
    <div role="alert" className={`banner ${kind}`} data-testid={`banner-${kind}`}>
      {text}
    </div>
  );
}

/** One call's transcript: intent tags, a sensitive-word alert when compliance found any, who said what. */
export function TranscriptView({ t, transcript }: { t: T; transcript: TranscriptDto }) {
  return (
    <div className="transcript" data-testid="transcript" data-attempt={transcript.attemptId}>
      <p>
        {t('intents')}:{' '}
        <span data-testid="transcript-tags">{transcript.tags.length > 0 ? transcript.tags.join(', ') : '-'}</span>
      </p>
      {transcript.sensitiveWords.length > 0 && (
        <p className="alert" role="alert" data-testid="sensitive-alert">
          {t('sensitiveWords')}: {transcript.sensitiveWords.join(', ')}
        </p>
      )}
      <ol>
        {transcript.segments.map((s, i) => (
          <li key={i} className={s.speaker === 'agent' ? 'agent' : 'customer'}>
            <b>{s.speaker === 'agent' ? t('speakerAgent') : t('speakerCustomer')}</b>{' '}
            <small>{(s.startMs / 1000).toFixed(1)}s</small> {s.text}
          </li>
        ))}
      </ol>
    </div>
  );
}
