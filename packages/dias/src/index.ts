// @dias-ts/dias: the DIAS domain (data, models, training, evaluation) on @dias-ts/torch.
export { VERSION } from './version.js';
