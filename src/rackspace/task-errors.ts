// Turns a Cloud Images task failure message into a sentence that says what to fix
// (rackspace.md §3.5: documented codes and the messages Rackspace's own tests expect).

export interface TaskFailure {
  /** The `Error code: 'NNN'` number, when the message has one. */
  code: number | undefined;
  /** What went wrong and what to do, for a person. */
  sentence: string;
  /** Worth creating the task again (396: Rackspace's importer also fails this way transiently). */
  retryable: boolean;
}

const LIMIT = 'Rackspace imports images of at most 160 GB';

const BY_CODE: Record<number, string> = {
  111: 'Cloud Images could not validate the VHD (code 111: an unspecified structural problem). Run `ingot check` on it and re-create it with `ingot convert`.',
  396: 'Cloud Images says the file is not a valid VHD (code 396). Check it with `ingot check`; a raw, qcow2 or VMDK file must be converted first (`ingot convert IN OUT.vhd`).',
  413: `The disk's virtual size is too large (code 413). ${LIMIT}: shrink the disk in the recipe and rebuild.`,
  523: 'Only fixed or dynamic VHDs can be imported (code 523). Convert the image to a dynamic VHD with `ingot convert`.',
  609: `The VHD file is too large (code 609). ${LIMIT}: zero free space before export so the dynamic VHD stays small, or shrink the disk.`,
  614: "The VHD's internal UUID is all zeros (code 614). Re-create it with `ingot convert`, which writes a random UUID.",
  721: 'The VHD has a parent disk (code 721: differencing VHD). Only stand-alone VHDs can be imported: coalesce it or export the full disk.',
};

export function explainTaskFailure(message: string | null | undefined): TaskFailure {
  const text = (message ?? '').trim();
  const m = /Error code:\s*'?(\d+)'?/i.exec(text);
  if (m) {
    const code = Number(m[1]);
    return { code, retryable: code === 396, sentence: BY_CODE[code] ?? `Cloud Images refused the VHD with code ${code} ("${text}"). Check it with \`ingot check\` and contact Rackspace support with the task id.` };
  }
  if (/Unsupported element in image_properties/i.test(text)) {
    // Only `name` may be sent at import time (trap 7); ingot never sends more, so this is a service change.
    return { code: undefined, retryable: false, sentence: 'Cloud Images refused the import request\'s image properties ("Unsupported element in image_properties"): only the image name may be given at import; metadata is set afterwards.' };
  }
  if (/Image not found for import|could not find object/i.test(text)) {
    return { code: undefined, retryable: false, sentence: `Cloud Images could not read the uploaded object ("${text}"). The object must be in Cloud Files in the same region as Cloud Images; check --region, and do not delete the object while the import runs.` };
  }
  return { code: undefined, retryable: false, sentence: `Cloud Images failed the import: "${text || '(no message)'}".` };
}

/** A task message that means "nothing to say": null, "", or the string "None" (trap 6). */
export function isEmptyMessage(message: string | null | undefined): boolean {
  return message === null || message === undefined || message.trim() === '' || message.trim() === 'None';
}
