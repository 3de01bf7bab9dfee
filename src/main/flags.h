// Flags: the seed's command-line style for every logscribe binary.
//
// Thread contract: thread-compatible; used once, at start-up, by main().
//
// Accepted spellings: -name value, -name=value, --name value, --name=value.
// A boolean flag stands alone (-console) or takes =true/=false. A value may
// begin with '-' (-size -1B). Repeatable flags append. Unknown flags, missing
// values and bad values are errors, reported as one sentence.
//
// Every FlagSet also knows -config FILE (unless the program registers its own
// "config"): FILE holds flags, one per line, as "name value" or "name=value"
// (a leading - or -- is allowed; a bool flag may stand alone; a value may be
// "double-quoted" to keep spaces and '#'); blank lines and lines starting with
// '#' are skipped, and " #" begins a trailing comment. The file is read
// before the command line, so a flag given on the command line wins; a
// repeatable flag given there replaces the file's values. -config may appear
// once, and not inside a file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace logscribe {

class FlagSet {
 public:
  explicit FlagSet(std::string program) : program_(std::move(program)) {}

  // Each Add registers a flag writing into *target; `help` ends with the default.
  void AddString(const std::string& name, std::string* target, const std::string& help);
  void AddInt(const std::string& name, int64_t* target, const std::string& help);
  void AddBool(const std::string& name, bool* target, const std::string& help);
  void AddRepeated(const std::string& name, std::vector<std::string>* target, const std::string& help);
  // A flag whose value is checked by `parse`, which returns an error sentence
  // or "" on success.
  void AddCustom(const std::string& name, std::function<std::string(std::string_view)> parse,
                 const std::string& help);

  // Parses argv[1..]. Returns false with *error set on a bad command line, or
  // with *error empty when -h/-help/--help asked for the usage text.
  // Non-flag arguments are collected into positional().
  bool Parse(int argc, const char* const* argv, std::string* error);

  const std::vector<std::string>& positional() const { return positional_; }
  // For programs that take no positional argument: the sentence naming the
  // first one given, or "" when there is none.
  std::string UnexpectedArgument() const;
  // Whether the flag was given, on the command line or in the -config file.
  bool WasSet(const std::string& name) const;
  // The -config file that was read; empty when none.
  const std::string& config_file() const { return config_file_; }
  std::string Usage() const;

 private:
  enum class Kind { kString, kInt, kBool, kRepeated, kCustom };
  struct Flag {
    std::string name;
    Kind kind;
    void* target;
    std::function<std::string(std::string_view)> parse;
    std::string help;
    bool set = false;
    bool from_file = false;  // the current value came from the -config file
  };
  // One flag of the command line, split but not yet applied.
  struct Given {
    Flag* flag;
    std::string value;
  };
  Flag* Find(std::string_view name);
  std::string Apply(Flag* flag, std::string_view value);
  std::string ReadConfigFile(const std::string& file);

  std::string program_;
  std::vector<Flag> flags_;
  std::vector<std::string> positional_;
  std::string config_file_;
};

}  // namespace logscribe
