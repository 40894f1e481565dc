/**
 * The generated attack set of issue 17: for each class of identifier that reached exports, sentences an
 * attacker would write. Used by the rule tests (each class in three cases) and the export test (every format).
 */
export interface Attack {
  text: string;
  /** Strings that must not survive (compared without case). */
  secrets: string[];
}

export const ATTACKS: Record<string, Attack[]> = {
  'names without a title': [
    { text: 'Jonathan Whitmore reviewed the films with us.', secrets: ['Jonathan', 'Whitmore'] },
    { text: 'Findings were discussed with Priya Raman at the bedside.', secrets: ['Priya', 'Raman'] },
  ],
  'lower-case titles and lists': [
    { text: 'Findings called to dr. smith at noon.', secrets: ['smith'] },
    { text: "cc: drs. jones, patel and o'brien", secrets: ['jones', 'patel', "o'brien"] },
  ],
  staff: [
    { text: "Nurse Sean D'Arcy gave the contrast.", secrets: ['Sean', "D'Arcy"] },
    { text: 'Images acquired by technologist Maria Lopez.', secrets: ['Maria', 'Lopez'] },
  ],
  'inverted names and initials': [
    { text: 'Patient: wong, kim', secrets: ['wong', 'kim'] },
    { text: 'Seen by Dr. J. R. Okafor today.', secrets: ['Okafor'] },
  ],
  'hyphenated and apostrophe names': [
    { text: "Reviewed with Dr. O'Neill-Smith.", secrets: ["O'Neill", 'Smith'] },
    { text: 'Discussed with Dr. Anne-Marie Dubois-Leroy.', secrets: ['Anne-Marie', 'Dubois', 'Leroy'] },
  ],
  'names in other scripts': [
    { text: 'Dr. 高橋智子 reviewed the study.', secrets: ['高橋智子'] },
    { text: 'Discussed with Dr. Иван Петров.', secrets: ['Иван', 'Петров'] },
  ],
  'obfuscated contacts and user names': [
    { text: 'Questions to kwong at bidmc dot org please.', secrets: ['kwong', 'bidmc'] },
    { text: 'Send to kwong [at] bidmc [dot] org.', secrets: ['kwong', 'bidmc'] },
    { text: 'Uploaded by kim_wong57 from the workstation.', secrets: ['kim_wong57'] },
  ],
  'international phone numbers': [
    { text: 'Family reachable on +44 20 7946 0958 tonight.', secrets: ['7946', '0958'] },
    { text: 'Call +33 1 42 68 53 00 for the report.', secrets: ['42 68 53 00'] },
  ],
  'ages over 89': [
    { text: 'INDICATION: 93F with fall.', secrets: ['93F'] },
    { text: 'A ninety four yo man with cough.', secrets: ['ninety four'] },
    { text: 'Patient age 97, dyspnea.', secrets: ['age 97'] },
  ],
  'dates in words and other languages': [
    { text: 'Admitted on Christmas Day 2022 with fever.', secrets: ['Christmas Day 2022'] },
    { text: 'Prior study on the twelfth of January.', secrets: ['twelfth of January'] },
    { text: "Compared with the study of Mar '19.", secrets: ["Mar '19"] },
    { text: 'Examen comparé à celui du 3 mars 2019.', secrets: ['3 mars 2019'] },
    { text: 'Seen on 7/22 and again 8/30.', secrets: ['7/22', '8/30'] },
  ],
  'cities and employers': [
    { text: 'Patient lives in Springfield with her son.', secrets: ['Springfield'] },
    { text: 'He works at Acme Logistics as a driver.', secrets: ['Acme Logistics'] },
  ],
};
