import { extractText, getDocumentProxy } from 'unpdf';

/** A manual longer than this is refused rather than held in memory page by page. */
const MAX_PAGES = 500;

/**
 * The text of each page of a PDF (pdf.js via unpdf, no eval, no fetches). Throws with the reason when the
 * bytes are not a readable PDF or the document is too long.
 */
export async function pdfPages(bytes: Uint8Array): Promise<string[]> {
  // pdf.js takes ownership of (and detaches) the buffer it is given: hand it a copy.
  const pdf = await getDocumentProxy(new Uint8Array(bytes), {
    isEvalSupported: false,
    stopAtErrors: true,
    disableFontFace: true,
    useSystemFonts: false,
    // Errors only: a malformed file is reported once, by the caller, not as pdf.js console noise.
    verbosity: 0,
  });
  try {
    if (pdf.numPages > MAX_PAGES) throw new Error(`${pdf.numPages} pages, more than the ${MAX_PAGES} accepted`);
    const { text } = await extractText(pdf, { mergePages: false });
    return text;
  } finally {
    await pdf.destroy();
  }
}
