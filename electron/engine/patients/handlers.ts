import type { PatientsInvoke } from '../../api/patients.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { identityReview, linkPatients, unlinkPatient } from './identity.ts';

export function patientsHandlers(ctx: EngineContext): HandlersFor<PatientsInvoke> {
  const db = () => ctx.requireProject().db;
  return {
    'patients.identity': (a) => identityReview(db(), a.withKeys === true),
    'patients.link': (a) => ({ root: linkPatients(db(), a.patientId, a.sameAs, a.reason) }),
    'patients.unlink': (a) => ({ changed: unlinkPatient(db(), a.patientId) }),
  };
}
