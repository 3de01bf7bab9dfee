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
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace logscribe {

class FlagSet {
 public:
  explicit FlagSet(std::string program) : program_(std::move(program)) {}

  // Flags added from now on belong to `group` in Usage() ("Network",
  // "Limits", ...). Groups print in the order OrderGroups() gives, then in
  // the order they were first named; flags added before any Group() print
  // first, under no heading.
  void Group(const std::string& group) { group_ = group; }
  void OrderGroups(std::vector<std::string> order) { group_order_ = std::move(order); }

  // Each Add registers a flag writing into *target; `help` ends with the default.
  void AddString(const std::string& name, std::string* target, const std::string& help);
  // A whole number into *target (int, int64_t, uint64_t, ...); a value the
  // type cannot hold is refused: "-name must be at least 0".
  template <typename Int>
  void AddInt(const std::string& name, Int* target, const std::string& help) {
    static_assert(std::is_integral_v<Int> && !std::is_same_v<Int, bool>);
    constexpr int64_t kMin = std::is_signed_v<Int> ? int64_t{std::numeric_limits<Int>::min()} : 0;
    constexpr int64_t kMax = sizeof(Int) < sizeof(int64_t) ? static_cast<int64_t>(std::numeric_limits<Int>::max())
                                                             : std::numeric_limits<int64_t>::max();
    AddIntSetter(name, kMin, kMax, [target](int64_t v) { *target = static_cast<Int>(v); }, help);
  }
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
    std::string group;
    // kInt: what the target can hold, and how to store a value.
    int64_t min = 0, max = 0;
    std::function<void(int64_t)> set_int = nullptr;
    bool set = false;
    bool from_file = false;  // the current value came from the -config file
  };
  // One flag of the command line, split but not yet applied.
  struct Given {
    Flag* flag;
    std::string value;
  };
  void AddIntSetter(const std::string& name, int64_t min, int64_t max, std::function<void(int64_t)> set,
                    const std::string& help);
  Flag* Find(std::string_view name);
  std::string Apply(Flag* flag, std::string_view value);
  std::string ReadConfigFile(const std::string& file);

  std::string program_;
  std::string group_;
  std::vector<std::string> group_order_;
  std::vector<Flag> flags_;
  std::vector<std::string> positional_;
  std::string config_file_;
};

}  // namespace logscribe
