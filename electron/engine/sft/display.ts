/**
 * How a label reads in prose: a display name, its article and number ("a pleural effusion", "cardiomegaly",
 * "support devices"), so templates read "Is there a pleural effusion?" and "Are support devices present?".
 */

interface Display {
  name: string;
  /** '' for mass nouns and plurals. */
  article: '' | 'a' | 'an';
  plural: boolean;
}

const KNOWN: Record<string, Display> = {
  'Enlarged Cardiomediastinum': {
    name: 'enlarged cardiomediastinal silhouette',
    article: 'an',
    plural: false,
  },
  Cardiomegaly: { name: 'cardiomegaly', article: '', plural: false },
  'Lung Lesion': { name: 'lung lesion', article: 'a', plural: false },
  'Lung Opacity': { name: 'lung opacity', article: 'a', plural: false },
  Edema: { name: 'pulmonary edema', article: '', plural: false },
  Consolidation: { name: 'consolidation', article: '', plural: false },
  Pneumonia: { name: 'pneumonia', article: '', plural: false },
  Atelectasis: { name: 'atelectasis', article: '', plural: false },
  Pneumothorax: { name: 'pneumothorax', article: 'a', plural: false },
  'Pleural Effusion': { name: 'pleural effusion', article: 'a', plural: false },
  'Pleural Other': { name: 'pleural abnormality other than effusion', article: 'a', plural: false },
  Fracture: { name: 'fracture', article: 'a', plural: false },
  'Support Devices': { name: 'support devices', article: '', plural: true },
  'No Finding': { name: 'no finding', article: '', plural: false },
};

/** Words in lower case, acronyms (COPD, NSG) kept. */
export function labelText(name: string): string {
  return name
    .trim()
    .split(/\s+/u)
    .map((w) => (w.length > 1 && w === w.toUpperCase() ? w : w.toLowerCase()))
    .join(' ');
}

/** Mass nouns by ending (atelectasis, pneumonia, edema, consolidation, cardiomegaly …) take no article. */
const MASS = /(?:sis|ia|ema|tion|aly|ing|ment)$/u;

export function display(label: string): Display {
  const known = KNOWN[label];
  if (known) return known;
  const name = labelText(label);
  const last = name.split(' ').at(-1) ?? '';
  const plural = /[^su]s$/u.test(last) && !/sis$/u.test(last);
  // "an NSG tube", "an ICD": an acronym whose first letter is said with a vowel sound.
  const vowelSound = /^[aeiou]/u.test(name) || /^(?:[AEIOU]|[FHLMNRSX][A-Z])/u.test(name);
  const article = plural || MASS.test(last) ? '' : vowelSound ? 'an' : 'a';
  return { name, article, plural };
}

/** The display name alone ("pleural effusion"). */
export function displayName(label: string): string {
  return display(label).name;
}

/** With its article ("a pleural effusion", "cardiomegaly", "support devices"). */
export function withArticle(label: string): string {
  const d = display(label);
  return d.article ? `${d.article} ${d.name}` : d.name;
}

/** Template fills for one label: {label}, {name}, {be}, {Be}. */
export function labelFill(label: string): Record<string, string> {
  const d = display(label);
  return {
    label: withArticle(label),
    name: d.name,
    be: d.plural ? 'are' : 'is',
    Be: d.plural ? 'Are' : 'Is',
  };
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
