// Module resolution hook (node:module register): 'rxjs' and its subpaths cannot be resolved.
export async function resolve(specifier, context, next) {
  if (specifier === 'rxjs' || specifier.startsWith('rxjs/')) {
    const error = new Error(`Cannot find package 'rxjs' (refused by refuse-rxjs-hooks.mjs)`);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}
