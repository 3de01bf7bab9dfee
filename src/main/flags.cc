#include "flags.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace logscribe {

void FlagSet::AddString(const std::string& name, std::string* target, const std::string& help) {
  flags_.push_back({name, Kind::kString, target, nullptr, help, group_, 0, 0, nullptr});
}
void FlagSet::AddIntSetter(const std::string& name, int64_t min, int64_t max, std::function<void(int64_t)> set,
                           const std::string& help) {
  flags_.push_back({name, Kind::kInt, nullptr, nullptr, help, group_, min, max, std::move(set)});
}
void FlagSet::AddBool(const std::string& name, bool* target, const std::string& help) {
  flags_.push_back({name, Kind::kBool, target, nullptr, help, group_, 0, 0, nullptr});
}
void FlagSet::AddRepeated(const std::string& name, std::vector<std::string>* target,
                          const std::string& help) {
  flags_.push_back({name, Kind::kRepeated, target, nullptr, help, group_, 0, 0, nullptr});
}
void FlagSet::AddCustom(const std::string& name, std::function<std::string(std::string_view)> parse,
                        const std::string& help) {
  flags_.push_back({name, Kind::kCustom, nullptr, std::move(parse), help, group_, 0, 0, nullptr});
}

FlagSet::Flag* FlagSet::Find(std::string_view name) {
  for (Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string FlagSet::UnexpectedArgument() const {
  return positional_.empty() ? std::string() : "unexpected argument '" + positional_.front() + "' (see -help)";
}

bool FlagSet::WasSet(const std::string& name) const {
  for (const Flag& f : flags_) {
    if (f.name == name) return f.set;
  }
  return false;
}

std::string FlagSet::Apply(Flag* flag, std::string_view value) {
  flag->set = true;
  switch (flag->kind) {
    case Kind::kString:
      *static_cast<std::string*>(flag->target) = std::string(value);
      return "";
    case Kind::kRepeated:
      static_cast<std::vector<std::string>*>(flag->target)->emplace_back(value);
      return "";
    case Kind::kInt: {
      const std::string text(value);
      char* end = nullptr;
      errno = 0;
      const long long v = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || errno == ERANGE) {
        return "-" + flag->name + " wants a whole number, not '" + text + "'";
      }
      if (v < flag->min) return "-" + flag->name + " must be at least " + std::to_string(flag->min);
      if (v > flag->max) return "-" + flag->name + " must be at most " + std::to_string(flag->max);
      flag->set_int(v);
      return "";
    }
    case Kind::kBool:
      if (value == "true" || value == "1" || value == "yes") {
        *static_cast<bool*>(flag->target) = true;
      } else if (value == "false" || value == "0" || value == "no") {
        *static_cast<bool*>(flag->target) = false;
      } else {
        return "-" + flag->name + " wants true or false, not '" + std::string(value) + "'";
      }
      return "";
    case Kind::kCustom: {
      std::string error = flag->parse(value);
      if (!error.empty()) return "-" + flag->name + ": " + error;
      return "";
    }
  }
  return "";
}

namespace {

constexpr std::string_view kSpace = " \t\r";

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

}  // namespace

// Reads `file` line by line and applies each flag; returns an error sentence
// naming the file and line, or "".
std::string FlagSet::ReadConfigFile(const std::string& file) {
  std::ifstream in(file);
  if (!in) return "cannot read -config " + file + ": " + std::strerror(errno);
  std::string raw;
  for (int number = 1; std::getline(in, raw); ++number) {
    const std::string where = file + ":" + std::to_string(number) + ": ";
    std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '-') line.remove_prefix(line.size() > 1 && line[1] == '-' ? 2 : 1);
    const size_t split = line.find_first_of(" \t=");
    std::string_view name = line.substr(0, split);
    std::string_view rest = split == std::string_view::npos ? std::string_view() : line.substr(split);
    bool has_value = false;
    std::string value;
    rest = Trim(rest);
    if (split != std::string_view::npos && line[split] == '=') {
      has_value = true;
      rest = Trim(line.substr(split + 1));
    } else if (!rest.empty() && rest[0] == '=') {  // "name = value"
      has_value = true;
      rest = Trim(rest.substr(1));
    }
    if (!rest.empty() && rest[0] == '"') {
      const size_t close = rest.find('"', 1);
      if (close == std::string_view::npos) return where + "unterminated quote";
      std::string_view after = Trim(rest.substr(close + 1));
      if (!after.empty() && after[0] != '#') return where + "unexpected text after the quoted value";
      value = std::string(rest.substr(1, close - 1));
      has_value = true;
    } else {
      for (size_t i = 0; i < rest.size(); ++i) {  // " #" starts a comment
        if (rest[i] == '#' && (i == 0 || rest[i - 1] == ' ' || rest[i - 1] == '\t')) {
          rest = Trim(rest.substr(0, i));
          break;
        }
      }
      value = std::string(rest);
      has_value = has_value || !value.empty();
    }
    if (name.empty()) return where + "a line must start with a flag name";
    if (name == "config") return where + "-config cannot be used inside a -config file";
    Flag* flag = Find(name);
    if (flag == nullptr) return where + "unknown flag " + std::string(name);
    if (!has_value) {
      if (flag->kind != Kind::kBool) return where + "flag " + std::string(name) + " needs a value";
      value = "true";
    }
    if (std::string e = Apply(flag, value); !e.empty()) return where + e;
    flag->from_file = true;
  }
  if (in.bad()) return "cannot read -config " + file + ": " + std::strerror(errno);
  return "";
}

bool FlagSet::Parse(int argc, const char* const* argv, std::string* error) {
  error->clear();
  // Split the command line first, so the -config file can be applied before
  // it wherever -config stands.
  std::vector<Given> given;
  std::string config;
  bool has_config = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') {
      positional_.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      for (++i; i < argc; ++i) positional_.emplace_back(argv[i]);
      break;
    }
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    std::string_view name = arg;
    std::string_view value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    if (name == "h" || name == "help") return false;
    Flag* flag = Find(name);
    const bool is_config = flag == nullptr && name == "config";
    if (flag == nullptr && !is_config) {
      *error = "unknown flag -" + std::string(name) + " (see -help)";
      return false;
    }
    if (!has_value) {
      if (!is_config && flag->kind == Kind::kBool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        *error = "flag -" + std::string(name) + " needs a value";
        return false;
      }
    }
    if (is_config) {
      if (has_config) {
        *error = "-config may be given once";
        return false;
      }
      has_config = true;
      config = std::string(value);
      continue;
    }
    given.push_back({flag, std::string(value)});
  }
  if (has_config) {
    if (config.empty()) {
      *error = "-config needs a file name";
      return false;
    }
    if (std::string e = ReadConfigFile(config); !e.empty()) {
      *error = e;
      return false;
    }
    config_file_ = config;
  }
  for (Given& g : given) {
    if (g.flag->from_file) {
      // The command line wins: a repeatable flag starts over.
      if (g.flag->kind == Kind::kRepeated) static_cast<std::vector<std::string>*>(g.flag->target)->clear();
      g.flag->from_file = false;
    }
    if (std::string e = Apply(g.flag, g.value); !e.empty()) {
      *error = e;
      return false;
    }
  }
  return true;
}

std::string FlagSet::Usage() const {
  // The groups in print order: "" (no heading) first, then OrderGroups(),
  // then the rest as first named.
  std::vector<std::string> groups{""};
  auto add = [&groups](const std::string& g) {
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
  };
  for (const std::string& g : group_order_) {
    if (std::any_of(flags_.begin(), flags_.end(), [&g](const Flag& f) { return f.group == g; })) add(g);
  }
  for (const Flag& f : flags_) add(f.group);
  const bool own_config =
      std::any_of(flags_.begin(), flags_.end(), [](const Flag& f) { return f.name == "config"; });
  const bool grouped = groups.size() > 1;

  std::string out = "Usage of " + program_ + ":\n";
  for (const std::string& group : groups) {
    if (!group.empty()) out += "\n" + group + ":\n";
    for (const Flag& f : flags_) {
      if (f.group != group) continue;
      out += "  -" + f.name;
      switch (f.kind) {
        case Kind::kString:
        case Kind::kCustom:
          out += " string";
          break;
        case Kind::kRepeated:
          out += " string (repeatable)";
          break;
        case Kind::kInt:
          out += " int";
          break;
        case Kind::kBool:
          break;
      }
      out += "\n    \t" + f.help + "\n";
    }
  }
  if (!own_config) {
    if (grouped) out += "\nConfiguration:\n";
    out += "  -config string\n    \tread flags from this file, one 'name value' per line, # comments; "
           "flags on the command line win (default none)\n";
  }
  return out;
}

}  // namespace logscribe
