// Compaction as the console shows it: a summary turn folded shut (its replaced turns stay listed as they were), and
// the line a run's context_compacted frame leaves in the chat. Fields may be missing: the label says "?", never throws.
import { count, el } from './format.js';

const range = c => `${c?.replaced_from_seq ?? '?'}–${c?.replaced_to_seq ?? '?'}`;
const saved = c => `${count(c?.tokens_before)} → ${count(c?.tokens_after)} tokens`;

/** A compaction turn as a closed <details>: "Summary of turns 1–8 · written by echo/echo-1 · 2,400 → 310 tokens", the summary inside. */
export function summaryBlock(turn) {
  const part = turn.parts?.find(p => p.type === 'compaction');
  const by = turn.provider ? ` · written by ${turn.provider}/${turn.model ?? '?'}` : '';
  return el('details', { class: 'compaction' },
    el('summary', {}, `Summary of turns ${range(part?.compaction)}${by} · ${saved(part?.compaction)}`),
    el('div', { class: 'summary-text' }, part?.text ?? turn.text));
}

/** The chat's notice for a context_compacted frame. */
export const compactedNotice = frame => `Earlier turns ${range(frame)} summarised (${saved(frame)})`;
