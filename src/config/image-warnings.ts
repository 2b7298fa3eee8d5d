import { movingTag, parseImageRef, PIN_ALLOWED } from '../lib/image-ref';
import { PodModel } from '../model/pod-model';

/*
 * A moving tag other than latest (`7.2`, `stable`, `edge`) is accepted by the configuration, which
 * refuses only :latest and untagged references: it names real releases of the right line, and a
 * user may mean to follow that line. But two hosts set up on different days then run different
 * images, so synth says so for each one, loudly, naming the field, the value and what is allowed.
 */

/** One warning per image the pod runs that names a moving tag; none for pinned or local images. */
export function movingImageWarnings(model: PodModel): string[] {
  return model.stages.flatMap(({ spec }) => {
    const ref = parseImageRef(spec.image);
    const why = ref && movingTag(ref);
    if (!why) return [];
    return [`services.${spec.name}.image: got "${spec.image}"; ${why}: which image runs depends on when each host pulled it. ` + `Pin it with ${PIN_ALLOWED}.`];
  });
}
