// A `ringkv` subcommand: its name, a one-line summary for `ringkv --help`, and its entry point,
// which receives the arguments after the subcommand name (flags already parsed by abseil).
#ifndef RINGKV_TOOLS_COMMAND_H_
#define RINGKV_TOOLS_COMMAND_H_

#include <string>
#include <vector>

namespace ringkv::tools {

struct Command {
  const char* name;
  const char* summary;
  const char* usage;  // shown by `ringkv help NAME` and on bad arguments
  // Returns the process exit status.
  int (*run)(const std::vector<std::string>& args);
};

// Every subcommand, in the order `ringkv --help` lists them.
const std::vector<Command>& AllCommands();

// Prints "ringkv NAME: message" to stderr and returns 1 (for one-line error exits).
int Fail(const char* command, const std::string& message);

}  // namespace ringkv::tools

#endif  // RINGKV_TOOLS_COMMAND_H_
