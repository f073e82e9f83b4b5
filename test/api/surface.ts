/** The public surface of the package's entry points, read with the TypeScript compiler. */
import ts from "typescript";

export interface ExportedName {
  entry: "igmpkit" | "igmpkit/wire" | "igmpkit/testing";
  name: string;
  /** "value", "type" or "namespace". */
  kind: string;
  documented: boolean;
}

export function publicSurface(): ExportedName[] {
  const entries = { igmpkit: "src/index.ts", "igmpkit/wire": "src/wire/index.ts", "igmpkit/testing": "src/testing/index.ts" } as const;
  const program = ts.createProgram(Object.values(entries), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const out: ExportedName[] = [];
  for (const [entry, file] of Object.entries(entries) as [ExportedName["entry"], string][]) {
    const sf = program.getSourceFile(file)!;
    const mod = checker.getSymbolAtLocation(sf)!;
    for (const sym of checker.getExportsOfModule(mod)) {
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      const kind = target.flags & ts.SymbolFlags.Value ? (target.flags & ts.SymbolFlags.ValueModule ? "namespace" : "value") : "type";
      const documented = target.getDocumentationComment(checker).length > 0 || target.getJsDocTags(checker).length > 0 || kind === "namespace";
      out.push({ entry, name: sym.getName(), kind, documented });
    }
  }
  return out.sort((a, b) => (a.entry + a.name).localeCompare(b.entry + b.name));
}
