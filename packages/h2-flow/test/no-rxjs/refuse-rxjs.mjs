// Loaded with `node --import`: makes the package 'rxjs' unresolvable in this process, as in an
// install without it, so importing anything that loads rxjs fails with ERR_MODULE_NOT_FOUND.
import { register } from 'node:module';

register('./refuse-rxjs-hooks.mjs', import.meta.url);
