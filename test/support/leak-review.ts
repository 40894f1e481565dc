// A patient whose family name is an ordinary word, and samples planted in a project, for the leak review tests.
import { Project } from '../../electron/engine/project/project.ts';

function withDb<T>(dir: string, body: (p: Project) => T): T {
  const p = Project.open(dir);
  try {
    return body(p);
  } finally {
    p.close();
  }
}

/** Renames the patient of image 1 WHITE^KEISHA in every stored header of theirs. */
export function callPatientWhite(dir: string): void {
  withDb(dir, (p) =>
    p.db
      .prepare(
        `UPDATE images SET header = json_set(header, '$.PatientName', 'WHITE^KEISHA')
         WHERE series_id IN (SELECT se.id FROM series se JOIN studies st ON st.id = se.study_id
           WHERE st.patient_id = (SELECT st2.patient_id FROM images i JOIN series se2 ON se2.id = i.series_id
                                  JOIN studies st2 ON st2.id = se2.study_id WHERE i.id = 1))`,
      )
      .run(),
  );
}

/** A generated sample of image 1 with this response; returns its row id (record `row<id>` in a bundle). */
export function plantSample(dir: string, response: string): number {
  return withDb(dir, (p) =>
    Number(
      p.db
        .prepare(
          `INSERT INTO sft_samples (run_id, task, template_id, generator, split, instruction, response, image_ids, source_records)
           VALUES ('manual', 'findings', 'findings#0', 'manual', 'train', 'Describe the findings.', ?, '[1]',
                   '{"studies":[1],"reports":[],"labels":null}')`,
        )
        .run(response).lastInsertRowid,
    ),
  );
}

export function removeSample(dir: string, id: number): void {
  withDb(dir, (p) => p.db.prepare('DELETE FROM sft_samples WHERE id = ?').run(id));
}
