import type { PatientsInvoke } from '../../api/patients.ts';
import { int, record, str } from '../args.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { ApiError } from '../errors.ts';
import { identityReview, linkPatients, unlinkPatient } from './identity.ts';

export function patientsHandlers(ctx: EngineContext): HandlersFor<PatientsInvoke> {
  const db = () => ctx.requireProject().db;
  return {
    'patients.identity': (a) => {
      const withKeys = record(a).withKeys;
      if (withKeys !== undefined && typeof withKeys !== 'boolean')
        throw new ApiError('bad-request', '"withKeys" must be true or false.');
      return identityReview(db(), withKeys === true);
    },
    'patients.link': (a) => ({
      root: linkPatients(db(), int(a, 'patientId', 1), int(a, 'sameAs', 1), str(a, 'reason')),
    }),
    'patients.unlink': (a) => ({ changed: unlinkPatient(db(), int(a, 'patientId', 1)) }),
  };
}
