// The console's pages: sign-in, campaigns, wallboard, agent board, compliance denials, agent desk
// (with follow-ups) and reports.

import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  AgentDto,
  BoardBatchDto,
  CampaignDto,
  DecisionDto,
  DenialDto,
  DeskEventDto,
  FollowUpDto,
  FiguresDto,
  LinkStatusDto,
  Me,
  TranscriptDto,
} from '../shared/dto.js';
import { ApiError, api, upload } from './api.js';
import {
  AgentGrid,
  Banner,
  FiguresPanel,
  LineChart,
  NumberField,
  TranscriptView,
  pacingText,
  tFor,
  type T,
} from './components.js';
import type { Lang } from './i18n.js';

type Notify = (error: unknown) => void;

/** Follows an SSE stream; the browser's EventSource reconnects by itself, `link` events say when the backend is away. */
function useStream(
  path: string | undefined,
  handlers: Record<string, (data: unknown) => void>,
  onLost: (lost: boolean) => void,
) {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    if (!path) return;
    const source = new EventSource(path);
    for (const name of Object.keys(ref.current))
      source.addEventListener(name, (e) => ref.current[name]?.(JSON.parse((e as MessageEvent<string>).data)));
    source.addEventListener('link', (e) =>
      onLost((JSON.parse((e as MessageEvent<string>).data) as LinkStatusDto).state === 'lost'),
    );
    source.onerror = () => onLost(true);
    source.onopen = () => onLost(false);
    return () => source.close();
  }, [path, onLost]);
}

function SignIn({ t, onSignedIn, notify }: { t: T; onSignedIn: (me: Me) => void; notify: Notify }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        api<Me>('POST', '/api/session', { username, password }).then(onSignedIn, notify);
      }}
    >
      <h2>{t('signIn')}</h2>
      <label>
        {t('username')} <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} />
      </label>
      <label>
        {t('password')}{' '}
        <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit">{t('signIn')}</button>
    </form>
  );
}

function Campaigns({ t, notify, me }: { t: T; notify: Notify; me: Me }) {
  const [list, setList] = useState<CampaignDto[]>([]);
  const [progress, setProgress] = useState<number | undefined>();
  const [imported, setImported] = useState<{
    jobId: string;
    rowsAccepted: number;
    rowsRejected: number;
    state: string;
  }>();
  const [form, setForm] = useState({
    name: '',
    dialMode: 'progressive',
    listId: '',
    startHour: 0,
    endHour: 24,
    rulePacks: '',
    ratio: 1.5,
    targetAbandonPct: 3,
    maxDialRatio: 3,
    amd: true,
    amdFalsePositivePct: 0,
  });
  const set = (key: 'ratio' | 'targetAbandonPct' | 'maxDialRatio' | 'amdFalsePositivePct') => (value: number) =>
    setForm({ ...form, [key]: value });
  const reload = useCallback(() => void api<CampaignDto[]>('GET', '/api/campaigns').then(setList, notify), [notify]);
  useEffect(reload, [reload]);
  const act = (c: CampaignDto, action: string) =>
    api('POST', `/api/campaigns/${encodeURIComponent(c.campaignId)}/${action}`, { version: c.version }).then(
      reload,
      (e: unknown) => {
        notify(e);
        reload();
      },
    );
  const onFile = (c: CampaignDto, file: File) => {
    setProgress(0);
    setImported(undefined);
    upload<{ jobId: string; rowsAccepted: number; rowsRejected: number; state: string }>(
      `/api/campaigns/${encodeURIComponent(c.campaignId)}/leads?fileName=${encodeURIComponent(file.name)}`,
      file,
      setProgress,
    ).then(
      (r) => {
        setImported(r);
        setProgress(undefined);
      },
      (e: unknown) => {
        setProgress(undefined);
        notify(e);
      },
    );
  };
  return (
    <div>
      <h2>{t('campaigns')}</h2>
      {me.role !== 'agent' && (
        <form
          data-testid="create-campaign"
          onSubmit={(e) => {
            e.preventDefault();
            api('POST', '/api/campaigns', {
              name: form.name,
              dialMode: form.dialMode,
              listId: form.listId || form.name,
              startHour: form.startHour,
              endHour: form.endHour,
              rulePacks: form.rulePacks
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
              ratio: form.ratio,
              targetAbandonRate: form.targetAbandonPct / 100,
              maxDialRatio: form.maxDialRatio,
              amd: form.amd,
              amdHumanFalsePositiveRate: form.amdFalsePositivePct / 100,
            }).then(reload, notify);
          }}
        >
          <input
            name="name"
            placeholder={t('name')}
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
          <select
            name="dialMode"
            value={form.dialMode}
            onChange={(e) => setForm({ ...form, dialMode: e.target.value })}
          >
            {['preview', 'progressive', 'predictive', 'agentless'].map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
          <input
            name="rulePacks"
            placeholder={t('rulePacks')}
            value={form.rulePacks}
            onChange={(e) => setForm({ ...form, rulePacks: e.target.value })}
          />
          {t('hours')}
          <input
            name="startHour"
            type="number"
            value={form.startHour}
            onChange={(e) => setForm({ ...form, startHour: Number(e.target.value) })}
          />
          <input
            name="endHour"
            type="number"
            value={form.endHour}
            onChange={(e) => setForm({ ...form, endHour: Number(e.target.value) })}
          />
          {form.dialMode === 'progressive' && (
            <NumberField
              label={t('ratio')}
              name="ratio"
              min={1}
              max={5}
              step={0.1}
              value={form.ratio}
              onChange={set('ratio')}
            />
          )}
          {form.dialMode === 'predictive' && (
            <>
              <NumberField
                label={t('targetAbandon')}
                name="targetAbandonPct"
                min={0}
                max={10}
                step={0.1}
                value={form.targetAbandonPct}
                onChange={set('targetAbandonPct')}
              />
              <NumberField
                label={t('maxDialRatio')}
                name="maxDialRatio"
                min={1}
                max={6}
                step={0.5}
                value={form.maxDialRatio}
                onChange={set('maxDialRatio')}
              />
            </>
          )}
          <label>
            <input
              name="amd"
              type="checkbox"
              checked={form.amd}
              onChange={(e) => setForm({ ...form, amd: e.target.checked })}
            />{' '}
            {t('amd')}
          </label>
          {form.dialMode === 'predictive' && form.amd && (
            <NumberField
              label={t('amdFalsePositives')}
              name="amdFalsePositivePct"
              min={0}
              max={5}
              step={0.1}
              value={form.amdFalsePositivePct}
              onChange={set('amdFalsePositivePct')}
            />
          )}
          <button type="submit">{t('create')}</button>
        </form>
      )}
      {progress !== undefined && <progress data-testid="upload-progress" value={progress} max={1} />}
      {imported && (
        <p data-testid="import-result">
          {imported.state}: +{imported.rowsAccepted} / −{imported.rowsRejected}{' '}
          <a href={`/api/imports/${encodeURIComponent(imported.jobId)}/rejects.csv`}>{t('rejects')}</a>
        </p>
      )}
      <table>
        <tbody>
          {list.map((c) => (
            <tr key={c.campaignId} data-campaign={c.campaignId}>
              <td>
                <a href={`#/wallboard/${encodeURIComponent(c.campaignId)}`}>{c.name}</a>
              </td>
              <td>{c.dialMode}</td>
              <td data-testid="pacing">{pacingText(c)}</td>
              <td data-testid="state">{c.state}</td>
              {me.role !== 'agent' && (
                <td>
                  <a href={`#/denials/${encodeURIComponent(c.campaignId)}`}>{t('denials')}</a>
                </td>
              )}
              <td>
                {(['start', 'pause', 'resume', 'stop'] as const).map((a) => (
                  <button key={a} name={a} onClick={() => void act(c, a)}>
                    {t(a)}
                  </button>
                ))}
                <label>
                  {t('upload')}{' '}
                  <input
                    type="file"
                    name="leads"
                    onChange={(e) => e.target.files?.[0] && onFile(c, e.target.files[0])}
                  />
                </label>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Wallboard({ t, campaignId, onLost }: { t: T; campaignId: string; onLost: (l: boolean) => void }) {
  const [f, setF] = useState<FiguresDto>();
  const [history, setHistory] = useState<{ abandon: number[]; pacing: number[] }>({ abandon: [], pacing: [] });
  const [agents, setAgents] = useState<Map<string, AgentDto>>(new Map());
  const [transcripts, setTranscripts] = useState<TranscriptDto[]>([]);
  useStream(
    `/api/campaigns/${encodeURIComponent(campaignId)}/stream`,
    {
      transcript: (data) => setTranscripts((list) => addTranscript(list, data as TranscriptDto)),
      figures: (data) => {
        const figures = data as FiguresDto;
        setF(figures);
        setHistory((h) => ({
          abandon: [...h.abandon, figures.abandonRate].slice(-300),
          pacing: [...h.pacing, figures.pacingRatio].slice(-300),
        }));
      },
    },
    onLost,
  );
  useStream(
    `/api/campaigns/${encodeURIComponent(campaignId)}/agents/stream`,
    { agents: (data) => setAgents((m) => mergeAgents(m, data as BoardBatchDto)) },
    onLost,
  );
  return (
    <div>
      <h2>
        {t('wallboard')} — {campaignId} {f && <small data-testid="campaign-state">{f.state}</small>}
      </h2>
      {f ? <FiguresPanel f={f} t={t} /> : <p>{t('noData')}</p>}
      <h3>{t('abandonOverTime')}</h3>
      <LineChart
        series={[
          { name: 'abandon', color: '#c33', points: history.abandon },
          { name: 'pacing', color: '#36c', points: history.pacing },
        ]}
      />
      <h3>{t('agents')}</h3>
      <AgentGrid agents={[...agents.values()]} />
      {transcripts.length > 0 && (
        <>
          <h3>{t('recentTranscripts')}</h3>
          {transcripts.map((tr) => (
            <TranscriptView key={tr.recordingId} t={t} transcript={tr} />
          ))}
        </>
      )}
    </div>
  );
}

/** Newest first, one per recording, the last few only. */
function addTranscript(list: readonly TranscriptDto[], transcript: TranscriptDto): TranscriptDto[] {
  return [transcript, ...list.filter((x) => x.recordingId !== transcript.recordingId)].slice(0, 10);
}

/** What compliance refused in a campaign, and the decisions about one number with their evidence (masked, audited). */
function Denials({ t, notify, campaignId }: { t: T; notify: Notify; campaignId: string }) {
  const [denials, setDenials] = useState<DenialDto[]>();
  const [phone, setPhone] = useState('');
  const [decisions, setDecisions] = useState<DecisionDto[]>();
  useEffect(() => {
    api<DenialDto[]>('GET', `/api/campaigns/${encodeURIComponent(campaignId)}/denials`).then(setDenials, notify);
  }, [campaignId, notify]);
  return (
    <div>
      <h2>
        {t('denials')} — {campaignId}
      </h2>
      {denials === undefined ? null : denials.length === 0 ? (
        <p data-testid="no-denials">{t('noDenials')}</p>
      ) : (
        <table data-testid="denials">
          <thead>
            <tr>
              <th>{t('time')}</th>
              <th>{t('lead')}</th>
              <th>{t('reasons')}</th>
              <th>{t('check')}</th>
            </tr>
          </thead>
          <tbody>
            {denials.map((d) => (
              <tr key={d.attemptId}>
                <td>{new Date(d.at).toLocaleString()}</td>
                <td>{d.leadId}</td>
                <td>{d.reasons.join(', ')}</td>
                <td>{d.checkId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('decisionLookup')}</h3>
      <form
        data-testid="decision-lookup"
        onSubmit={(e) => {
          e.preventDefault();
          setDecisions(undefined);
          api<DecisionDto[]>('POST', '/api/compliance/decisions', { phone }).then(setDecisions, notify);
        }}
      >
        <input name="lookupPhone" placeholder={t('phone')} value={phone} onChange={(e) => setPhone(e.target.value)} />
        <button type="submit" name="lookup">
          {t('lookUp')}
        </button>
      </form>
      {decisions &&
        (decisions.length === 0 ? (
          <p data-testid="no-decisions">{t('noDecisions')}</p>
        ) : (
          <table data-testid="decisions">
            <tbody>
              {decisions.map((d) => (
                <tr key={d.checkId}>
                  <td>{new Date(d.decidedAt).toLocaleString()}</td>
                  <td data-testid="decision-phone">{d.phone}</td>
                  <td>{d.campaignId}</td>
                  <td data-testid="decision-verdict">{d.allowed ? t('allowed') : t('denied')}</td>
                  <td>
                    {d.denials.map((x) => (
                      <div key={x.code}>
                        <strong>{x.code}</strong> {x.text} <small>({x.rulePack})</small>{' '}
                        {Object.entries(x.data)
                          .map(([k, v]) => `${k}=${v}`)
                          .join(' ')}
                      </div>
                    ))}
                  </td>
                  <td>{d.rulePacks.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </div>
  );
}

/** The agent's promised calls, due and overdue, soonest first. */
function FollowUps({ t, notify, campaigns, refresh }: { t: T; notify: Notify; campaigns: string; refresh: number }) {
  const [items, setItems] = useState<FollowUpDto[]>();
  useEffect(() => {
    if (!campaigns) return;
    api<FollowUpDto[]>('GET', `/api/desk/follow-ups?campaigns=${encodeURIComponent(campaigns)}`).then(setItems, notify);
  }, [campaigns, refresh, notify]);
  if (!items) return null;
  return (
    <div data-testid="follow-ups">
      <h3>{t('followUps')}</h3>
      {items.length === 0 ? (
        <p>{t('noData')}</p>
      ) : (
        <ul>
          {items.map((f) => (
            <li key={f.attemptId} data-testid="follow-up" className={f.overdue ? 'overdue' : 'due'}>
              {new Date(f.at).toLocaleString()} · <strong>{f.overdue ? t('overdue') : t('due')}</strong> · {f.leadId}{' '}
              {f.notes && `· ${f.notes}`}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function mergeAgents(m: Map<string, AgentDto>, batch: BoardBatchDto): Map<string, AgentDto> {
  const next = new Map(m);
  for (const a of batch.agents) next.set(a.agentId, a);
  return next;
}

function Desk({ t, notify, onLost }: { t: T; notify: Notify; onLost: (l: boolean) => void }) {
  const [campaigns, setCampaigns] = useState('');
  const [event, setEvent] = useState<DeskEventDto>();
  const [pop, setPop] = useState<DeskEventDto['pop']>();
  const [ended, setEnded] = useState<string>();
  const [grade, setGrade] = useState<'A' | 'B' | 'C'>('A');
  const [notes, setNotes] = useState('');
  const [followUp, setFollowUp] = useState('');
  const [reason, setReason] = useState('break');
  const [saved, setSaved] = useState(0);
  const [loggedInTo, setLoggedInTo] = useState('');
  // The agent as last told by either the live feed or an action's reply, whichever is newer: a
  // reply arrives before the feed catches up (or while it reopens), and the buttons follow it.
  const [agent, setAgent] = useState<AgentDto>();
  const [loggingIn, setLoggingIn] = useState(false);
  const showAgent = (next: AgentDto) => setAgent((cur) => (!cur || next.since >= cur.since ? next : cur));
  const [revealed, setRevealed] = useState<{ attemptId: string; phone: string }>();
  const [transcripts, setTranscripts] = useState<TranscriptDto[]>([]);
  useStream(
    '/api/desk/stream',
    {
      transcript: (data) => setTranscripts((list) => addTranscript(list, data as TranscriptDto)),
      desk: (data) => {
        const e = data as DeskEventDto;
        setEvent(e);
        showAgent(e.agent);
        if (e.pop) setPop(e.pop);
        if (e.endedAttemptId) setEnded(e.endedAttemptId);
      },
    },
    onLost,
  );
  const post = (path: string, body: unknown = {}) => api('POST', path, body).catch(notify);
  const act = (path: string, body: unknown = {}) => api<AgentDto>('POST', path, body).then(showAgent, notify);
  // Ready, pause and log-out mean nothing before the dialer has the agent logged in.
  const loggedIn = !loggingIn && agent !== undefined && agent.state !== 'logged_out';
  return (
    <div>
      <h2>{t('desk')}</h2>
      <p data-testid="agent-state">{agent?.state ?? '-'}</p>
      <input
        name="deskCampaigns"
        placeholder={t('campaigns')}
        value={campaigns}
        onChange={(e) => setCampaigns(e.target.value)}
      />
      <button
        name="login"
        onClick={() => {
          const campaignIds = campaigns
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          setLoggingIn(true);
          void api<AgentDto>('POST', '/api/desk/login', { campaignIds })
            .then((a) => {
              showAgent(a);
              setLoggedInTo(campaignIds.join(','));
            }, notify)
            .finally(() => setLoggingIn(false));
        }}
        disabled={loggingIn}
      >
        {t('login')}
      </button>
      <button name="ready" disabled={!loggedIn} onClick={() => void act('/api/desk/ready')}>
        {t('ready')}
      </button>
      <select name="pauseReason" value={reason} onChange={(e) => setReason(e.target.value)}>
        {['break', 'lunch', 'training', 'meeting', 'technical', 'other'].map((r) => (
          <option key={r}>{r}</option>
        ))}
      </select>
      <button name="pause" disabled={!loggedIn} onClick={() => void act('/api/desk/pause', { reason })}>
        {t('pause')}
      </button>
      <button name="logout" disabled={!loggedIn} onClick={() => void act('/api/desk/logout')}>
        {t('logout')}
      </button>
      {pop && (
        <div className="pop" data-testid="screen-pop">
          <h3>{t('customer')}</h3>
          <p>
            <span data-testid="pop-name">{pop.name}</span> ·{' '}
            <span data-testid="pop-phone">{revealed?.attemptId === pop.attemptId ? revealed.phone : pop.phone}</span> ·{' '}
            {pop.region}{' '}
            {revealed?.attemptId !== pop.attemptId && (
              <button
                name="reveal"
                onClick={() =>
                  void api<{ phone: string }>('POST', '/api/desk/reveal', { attemptId: pop.attemptId }).then(
                    (r) => setRevealed({ attemptId: pop.attemptId, phone: r.phone }),
                    notify,
                  )
                }
              >
                {t('reveal')}
              </button>
            )}
          </p>
          <p>
            {t('script')}: {pop.script}
          </p>
          <p>
            {t('history')}: {pop.history.map((h) => `${h.outcome}${h.intent ? `/${h.intent}` : ''}`).join(', ') || '-'}
          </p>
          {event?.kind === 'offer' && (
            <>
              <button name="accept" onClick={() => void post('/api/desk/accept', { attemptId: pop.attemptId })}>
                {t('accept')}
              </button>
              <button
                name="skip"
                onClick={() => void post('/api/desk/skip', { attemptId: pop.attemptId, reason: 'skipped' })}
              >
                {t('skip')}
              </button>
            </>
          )}
        </div>
      )}
      {ended && (
        <form
          data-testid="disposition"
          onSubmit={(e) => {
            e.preventDefault();
            api('POST', '/api/desk/disposition', {
              attemptId: ended,
              intent: grade,
              notes,
              ...(followUp ? { followUpAt: new Date(followUp).getTime() } : {}),
            }).then(() => {
              setEnded(undefined);
              setSaved((n) => n + 1);
            }, notify);
          }}
        >
          <h3>{t('disposition')}</h3>
          {(['A', 'B', 'C'] as const).map((g) => (
            <label key={g}>
              <input type="radio" name="grade" value={g} checked={grade === g} onChange={() => setGrade(g)} /> {g}
            </label>
          ))}
          <textarea name="notes" placeholder={t('notes')} value={notes} onChange={(e) => setNotes(e.target.value)} />
          <label>
            {t('followUp')}{' '}
            <input
              name="followUp"
              type="datetime-local"
              value={followUp}
              onChange={(e) => setFollowUp(e.target.value)}
            />
          </label>
          <button type="submit" name="save">
            {t('save')}
          </button>
        </form>
      )}
      {transcripts[0] && (
        <>
          <h3>{t('transcript')}</h3>
          <TranscriptView t={t} transcript={transcripts[0]} />
        </>
      )}
      <p data-testid="dispositions-saved">{saved}</p>
      <FollowUps t={t} notify={notify} campaigns={loggedInTo} refresh={saved} />
    </div>
  );
}

function Reports({ t, notify, me }: { t: T; notify: Notify; me: Me }) {
  const [campaigns, setCampaigns] = useState('');
  const [by, setBy] = useState('campaign');
  const [rows, setRows] = useState<Record<string, number | string>[]>();
  const query = `campaigns=${encodeURIComponent(campaigns)}&by=${by}`;
  return (
    <div>
      <h2>{t('reports')}</h2>
      <input
        name="reportCampaigns"
        placeholder={t('campaigns')}
        value={campaigns}
        onChange={(e) => setCampaigns(e.target.value)}
      />
      {t('groupBy')}
      <select name="by" value={by} onChange={(e) => setBy(e.target.value)}>
        {['campaign', 'agent', 'line', 'hour'].map((b) => (
          <option key={b}>{b}</option>
        ))}
      </select>
      <button
        name="run"
        onClick={() =>
          void api<Record<string, number | string>[]>('GET', `/api/reports?${query}`).then(setRows, notify)
        }
      >
        {t('reports')}
      </button>
      {me.role !== 'agent' && (
        <a data-testid="export" href={`/api/reports.csv?${query}`} download>
          {t('exportCsv')}
        </a>
      )}
      {rows && (
        <>
          <table data-testid="report">
            <thead>
              <tr>
                <th>{t('groupBy')}</th>
                <th>{t('dials')}</th>
                <th>{t('connects')}</th>
                <th>{t('connectRate')}</th>
                <th>{t('talkTime')}</th>
                <th>{t('abandonUs')}</th>
                <th>{t('abandonUk')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={String(r['key'])}>
                  <td>{r['key']}</td>
                  <td>{r['dials']}</td>
                  <td>{r['connects']}</td>
                  <td>{(100 * Number(r['connectRate'])).toFixed(1)}%</td>
                  <td>{r['talkSeconds']}</td>
                  <td>{(100 * Number(r['abandonRateUs'])).toFixed(2)}%</td>
                  <td>{(100 * Number(r['abandonRateUk'])).toFixed(2)}%</td>
                </tr>
              ))}
            </tbody>
          </table>
          <LineChart series={[{ name: 'dials', color: '#36c', points: rows.map((r) => Number(r['dials'])) }]} />
        </>
      )}
    </div>
  );
}

export function App() {
  const [lang, setLang] = useState<Lang>(() => (localStorage.getItem('lang') as Lang | null) ?? 'en');
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<string>();
  const [lost, setLost] = useState(false);
  const [route, setRoute] = useState(location.hash);
  const t = tFor(lang);
  useEffect(() => {
    const on = () => setRoute(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const notify = useCallback(
    (e: unknown) => {
      if (e instanceof ApiError && (e.code === 'session_expired' || e.code === 'signed_out')) setMe(null);
      setError(
        e instanceof ApiError && e.code === 'session_expired'
          ? t('expired')
          : e instanceof Error
            ? e.message
            : String(e),
      );
    },
    [t],
  );
  useEffect(() => {
    api<Me>('GET', '/api/session').then(setMe, (e: unknown) => {
      setMe(null);
      if (e instanceof ApiError && e.code === 'session_expired') setError(t('expired'));
    });
  }, []);
  const onLost = useCallback((l: boolean) => setLost(l), []);
  const [page, arg] = route.replace(/^#\//, '').split('/');
  return (
    <div lang={lang}>
      <header>
        <strong>{t('title')}</strong>{' '}
        {me && (
          <nav>
            <a href="#/campaigns">{t('campaigns')}</a> <a href="#/desk">{t('desk')}</a>{' '}
            <a href="#/reports">{t('reports')}</a>{' '}
            <span data-testid="me">
              {me.username} ({me.role})
            </span>{' '}
            <button name="signout" onClick={() => void api('DELETE', '/api/session').then(() => setMe(null))}>
              {t('signOut')}
            </button>
          </nav>
        )}
        <button
          name="lang"
          onClick={() => {
            const next = lang === 'en' ? 'zh' : 'en';
            localStorage.setItem('lang', next);
            setLang(next);
          }}
        >
          {t('language')}
        </button>
      </header>
      {error && (
        <div onClick={() => setError(undefined)}>
          <Banner kind="error" text={error} />
        </div>
      )}
      {lost && <Banner kind="info" text={t('lost')} />}
      {me === null && <SignIn t={t} notify={notify} onSignedIn={(m) => (setMe(m), setError(undefined))} />}
      {me &&
        (page === 'wallboard' && arg ? (
          <Wallboard t={t} campaignId={decodeURIComponent(arg)} onLost={onLost} />
        ) : page === 'denials' && arg ? (
          <Denials t={t} notify={notify} campaignId={decodeURIComponent(arg)} />
        ) : page === 'desk' ? (
          <Desk t={t} notify={notify} onLost={onLost} />
        ) : page === 'reports' ? (
          <Reports t={t} notify={notify} me={me} />
        ) : (
          <Campaigns t={t} notify={notify} me={me} />
        ))}
    </div>
  );
}
