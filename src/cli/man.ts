/**
 * Manual pages from the commander definitions themselves (usage, description, arguments, options with
 * their defaults and choices, the text each command adds after its help), so they cannot drift from the
 * CLI: `igmpkit(1)` and `igmpkit-COMMAND(1)` for every command. `npm run build` writes them to man/;
 * test/cli/man.test.ts holds the committed pages equal to what this renders.
 */
import type { Command, Help } from "commander";

/** Escape text for roff: backslashes, and a leading dot or quote that would start a request. */
function roff(text: string): string {
  return text
    .replace(/\\/g, "\\e")
    .split("\n")
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join("\n");
}

/** Option and command terms: hyphens as roff minus signs, so they can be searched and copied. */
const term = (t: string): string => roff(t).replace(/-/g, "\\-");

/** The text a command adds after its help (`addHelpText("after", ...)`), as printed by --help. */
function afterHelp(cmd: Command): string {
  let text = "";
  // addHelpText registers a listener that writes through the context it is given
  (cmd as unknown as NodeJS.EventEmitter).emit("afterHelp", { error: false, command: cmd, write: (s: string) => (text += s) });
  return text.trim();
}

/** A block of help text: paragraphs by blank lines, indented lines kept as they are. */
function body(text: string): string {
  const out: string[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const lines = para.split("\n");
    if (lines.some((l) => /^\s/.test(l))) {
      // a heading line then an indented list (the exit status, the filter syntax): keep the layout
      const [head, ...rest] = /^\s/.test(lines[0]!) ? ["", ...lines] : lines;
      if (head) out.push(".PP", roff(head!));
      out.push(".nf", ".RS 4", ...rest.map((l) => roff(l.replace(/^ {2}/, ""))), ".RE", ".fi");
    } else out.push(".PP", roff(lines.join("\n")));
  }
  return out.join("\n");
}

function optionsSection(cmd: Command, help: Help): string {
  const opts = help.visibleOptions(cmd);
  if (opts.length === 0) return "";
  const items = opts.map((o) => `.TP\n.B ${term(help.optionTerm(o))}\n${roff(help.optionDescription(o))}`);
  return `.SH OPTIONS\n${items.join("\n")}`;
}

function argumentsSection(cmd: Command, help: Help): string {
  const args = help.visibleArguments(cmd);
  if (args.length === 0) return "";
  return `.SH ARGUMENTS\n${args.map((a) => `.TP\n.I ${roff(help.argumentTerm(a))}\n${roff(help.argumentDescription(a))}`).join("\n")}`;
}

function header(name: string, version: string, summary: string): string {
  return [
    `.TH ${name.toUpperCase()} 1 "" "igmpkit ${version}" "igmpkit manual"`,
    ".SH NAME",
    `${term(name)} \\- ${roff(summary)}`,
  ].join("\n");
}

function page(cmd: Command, name: string, version: string, seeAlso: string[]): string {
  const help = cmd.createHelp();
  const usage = `${cmd.parent ? `${cmd.parent.name()} ` : ""}${cmd.name()} ${cmd.usage()}`;
  const parts = [
    header(name, version, help.commandDescription(cmd)),
    ".SH SYNOPSIS",
    `.B ${term(usage.split(" ").slice(0, cmd.parent ? 2 : 1).join(" "))}`,
    term(usage.split(" ").slice(cmd.parent ? 2 : 1).join(" ")),
    ".SH DESCRIPTION",
    body(help.commandDescription(cmd)),
    argumentsSection(cmd, help),
    optionsSection(cmd, help),
  ];
  // the exit statuses every command appends get their own section
  const [after = "", exit] = afterHelp(cmd).split(/^Exit status:\n/m);
  if (after.trim()) parts.push(".SH NOTES", body(after.trim()));
  if (exit) parts.push(".SH EXIT STATUS", body(`  ${exit.trim()}`));
  parts.push(".SH SEE ALSO", seeAlso.map((s) => `.BR ${term(s)} (1)`).join(",\n"));
  return `${parts.filter((p) => p !== "").join("\n")}\n`;
}

const ENVIRONMENT = [
  ".TP\n.B TZ\nThe time zone of the times of day that decode and capture print (local time, as tcpdump; --utc for UTC).",
  ".TP\n.B NO_COLOR\nWhen set (to anything), no colour; colour is used only on a terminal.",
].join("\n");

/** Every page, by file name: `igmpkit.1` and `igmpkit-COMMAND.1`. */
export function manPages(program: Command, version: string): Map<string, string> {
  const pages = new Map<string, string>();
  const commands = program.commands.filter((c) => !(c as unknown as { _hidden: boolean })._hidden);
  const names = commands.map((c) => `igmpkit-${c.name()}`);
  // igmpkit(1): the command list instead of per-command detail
  const help = program.createHelp();
  const list = commands.map((c) => `.TP\n.B ${term(`igmpkit ${c.name()}`)}\n${roff(help.subcommandDescription(c).replace(/[^.]$/, "$&."))} See\n.BR ${term(`igmpkit-${c.name()}`)} (1).`).join("\n");
  const top = page(program, "igmpkit", version, names).replace(/\.SH (EXIT STATUS|SEE ALSO)/, `.SH COMMANDS\n${list}\n.SH ENVIRONMENT\n${ENVIRONMENT}\n.SH $1`);
  pages.set("igmpkit.1", top);
  for (const c of commands) pages.set(`igmpkit-${c.name()}.1`, page(c, `igmpkit-${c.name()}`, version, ["igmpkit", "tcpdump", "pcap-filter"].filter((s) => s === "igmpkit" || c.name() === "decode" || c.name() === "capture")));
  return pages;
}
