/** Where an object was read from, precise enough for an operator to find it. */
export interface ManifestSource {
  /** The file path as given on the command line (or joined with the directory given). */
  readonly file: string;
  /** 1-based position of the YAML document in the file. */
  readonly document: number;
  /** 1-based line where the document's (or list item's) content starts. */
  readonly line: number;
  /** 0-based index into `items` when the object came from a `kind: List` document. */
  readonly item?: number;
}
