/** Public surface of the report labeler: sentence mentions, report labels, the gold-set evaluation. */
export {
  labelSentence,
  labelReport,
  aggregate,
  type Mention,
  type MentionState,
  type LabelValue,
} from './label.ts';
export { OBSERVATIONS, phrases, type Observation, type Change } from './phrases.ts';
export { sentences } from './sentences.ts';
export { evaluateLabeler, parseGold, type LabelerEvaluation } from './evaluate.ts';
