import { bytesField } from "../raw-codec.js";
import type { MessageCodec } from "../codec-context.js";
import { checkBytesOptional, checkBytesRequired, checkFileName, checkMime } from "../field-checks.js";
import type { InlineAttachment } from "../messages.js";

const M = "InlineAttachment";

function check(v: InlineAttachment, withThumbnail: boolean): void {
  checkMime(v.mime, M, "mime");
  checkFileName(v.fileName, M, "fileName");
  checkBytesRequired(v.data, M, "data");
  if (withThumbnail && v.thumbnail !== undefined) checkBytesOptional(v.thumbnail, M, "thumbnail");
}

export const inlineAttachmentCodec: MessageCodec<InlineAttachment> = {
  message: M,
  toView(pb, ctx) {
    const view: InlineAttachment = {
      mime: pb.mime as string,
      fileName: pb.fileName as string,
      data: bytesField(pb.data),
    };
    if (ctx.has(M, "thumbnail")) view.thumbnail = bytesField(pb.thumbnail);
    check(view, false);
    return view;
  },
  toPb(view, ctx) {
    const withThumbnail = ctx.has(M, "thumbnail");
    check(view, withThumbnail);
    const pb: Record<string, unknown> = { mime: view.mime, fileName: view.fileName, data: view.data };
    if (withThumbnail && view.thumbnail !== undefined) pb.thumbnail = view.thumbnail;
    return pb;
  },
};
