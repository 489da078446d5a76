/**
 * Repository names imagestack keeps for itself in a stack's namespace (no image may have
 * them; see the specs rule `reservedImageNamesRule`). A leaf module: no imports, so the
 * specs rules can name them without loading the release or CI code.
 */

/** `<namespace>/imagestack-promotions`: the promotion history (core/release/record.ts). */
export const PROMOTIONS_IMAGE = 'imagestack-promotions';

/** `<namespace>/imagestack-runs`: the CI matrix jobs' failure markers (core/ci/markers.ts). */
export const MARKER_REPOSITORY = 'imagestack-runs';

/** `<namespace>/imagestack-stack-checks`: the outcomes of the stack-wide checks per version and set of tags (core/verify/stack-checks/record.ts). */
export const STACK_CHECKS_REPOSITORY = 'imagestack-stack-checks';
