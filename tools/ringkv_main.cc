// The `ringkv` command: dispatches to a subcommand; flags are parsed by abseil.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "tools/command.h"

namespace ringkv::tools {

extern const Command kDemoCommand;
extern const Command kIoDemoCommand;
extern const Command kPutCommand;
extern const Command kGetCommand;
extern const Command kDeleteCommand;
extern const Command kScanCommand;
extern const Command kLoadCommand;
extern const Command kDumpCommand;
extern const Command kCheckpointCommand;
extern const Command kStatsCommand;
extern const Command kCheckCommand;
extern const Command kSalvageCommand;
extern const Command kCrashCommand;
extern const Command kBenchCommand;

const std::vector<Command>& AllCommands() {
  static const std::vector<Command> commands = {
      kDemoCommand,  kPutCommand,        kGetCommand,   kDeleteCommand, kScanCommand,
      kLoadCommand,  kDumpCommand,       kCheckpointCommand, kStatsCommand, kCheckCommand,
      kSalvageCommand,      kBenchCommand, kCrashCommand, kIoDemoCommand};
  return commands;
}

int Fail(const char* command, const std::string& message) {
  std::fprintf(stderr, "ringkv %s: %s\n", command, message.c_str());
  return 1;
}

void ApplyFlagAliases(const std::vector<FlagAlias>& aliases, std::vector<std::string>& args) {
  for (std::string& arg : args) {
    if (arg == "--") break;
    const size_t dashes = arg.rfind("--", 0) == 0 ? 2 : (arg.rfind('-', 0) == 0 ? 1 : 0);
    if (dashes == 0) continue;
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(dashes, eq == std::string::npos ? std::string::npos : eq - dashes);
    for (const FlagAlias& a : aliases) {
      if (name == a.given) {
        arg = std::string(arg, 0, dashes) + a.flag + (eq == std::string::npos ? "" : arg.substr(eq));
        break;
      }
    }
  }
}

namespace {

void PrintHelp() {
  std::printf("usage: ringkv COMMAND [flags] [args]\n\ncommands:\n");
  for (const Command& c : AllCommands()) std::printf("  %-12s %s\n", c.name, c.summary);
  std::printf("\n`ringkv COMMAND --help` shows a command's usage and flags.\n");
}

}  // namespace
}  // namespace ringkv::tools

int main(int argc, char** argv) {
  using ringkv::tools::AllCommands;
  // Debian's abseil is built with mutex deadlock detection on (~30 ns per lock, a global graph
  // under a spinlock): a debugging aid the tool's users don't need. Tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "help") == 0) {
    ringkv::tools::PrintHelp();
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  for (const ringkv::tools::Command& c : AllCommands()) {
    if (name != c.name) continue;
    absl::SetProgramUsageMessage(c.usage);
    // Parse the flags after the subcommand; positional arguments come back.
    std::vector<std::string> words(argv + 2, argv + argc);
    ringkv::tools::ApplyFlagAliases(c.flag_aliases, words);
    std::vector<char*> rest = {argv[1]};
    for (std::string& w : words) rest.push_back(w.data());
    std::vector<char*> positional = absl::ParseCommandLine(static_cast<int>(rest.size()), rest.data());
    std::vector<std::string> args(positional.begin() + 1, positional.end());
    return c.run(args);
  }
  std::fprintf(stderr, "ringkv: unknown command '%s' (see ringkv --help)\n", name.c_str());
  return 2;
}
