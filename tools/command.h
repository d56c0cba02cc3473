// A `ringkv` subcommand: its name, a one-line summary for `ringkv --help`, and its entry point,
// which receives the arguments after the subcommand name (flags already parsed by abseil).
#ifndef RINGKV_TOOLS_COMMAND_H_
#define RINGKV_TOOLS_COMMAND_H_

#include <string>
#include <vector>

namespace ringkv::tools {

// A flag name a subcommand accepts in place of the global flag it stands for. Flags are global
// in one binary, so two subcommands cannot both own `--json`; `bench` spells its `--json FILE`
// as --bench_json and lists {"json", "bench_json"} here so its users can type --json.
struct FlagAlias {
  const char* given;  // as the user types it, without dashes
  const char* flag;   // the flag it means
};

struct Command {
  const char* name;
  const char* summary;
  const char* usage;  // shown by `ringkv help NAME` and on bad arguments
  // Returns the process exit status.
  int (*run)(const std::vector<std::string>& args);
  std::vector<FlagAlias> flag_aliases = {};
};

// Rewrites --given / --given=... / -given in `args` (the words after the subcommand name) to
// the flags they stand for; other words are left alone. Stops at "--".
void ApplyFlagAliases(const std::vector<FlagAlias>& aliases, std::vector<std::string>& args);

// Every subcommand, in the order `ringkv --help` lists them.
const std::vector<Command>& AllCommands();

// Prints "ringkv NAME: message" to stderr and returns 1 (for one-line error exits).
int Fail(const char* command, const std::string& message);

}  // namespace ringkv::tools

#endif  // RINGKV_TOOLS_COMMAND_H_
