#include "flags.h"

#include <cerrno>
#include <cstdlib>

namespace logscribe {

void FlagSet::AddString(const std::string& name, std::string* target, const std::string& help) {
  flags_.push_back({name, Kind::kString, target, nullptr, help});
}
void FlagSet::AddInt(const std::string& name, int64_t* target, const std::string& help) {
  flags_.push_back({name, Kind::kInt, target, nullptr, help});
}
void FlagSet::AddBool(const std::string& name, bool* target, const std::string& help) {
  flags_.push_back({name, Kind::kBool, target, nullptr, help});
}
void FlagSet::AddRepeated(const std::string& name, std::vector<std::string>* target,
                          const std::string& help) {
  flags_.push_back({name, Kind::kRepeated, target, nullptr, help});
}
void FlagSet::AddCustom(const std::string& name, std::function<std::string(std::string_view)> parse,
                        const std::string& help) {
  flags_.push_back({name, Kind::kCustom, nullptr, std::move(parse), help});
}

FlagSet::Flag* FlagSet::Find(std::string_view name) {
  for (Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
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
      *static_cast<int64_t*>(flag->target) = v;
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

bool FlagSet::Parse(int argc, const char* const* argv, std::string* error) {
  error->clear();
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
    if (flag == nullptr) {
      *error = "unknown flag -" + std::string(name) + " (see -help)";
      return false;
    }
    if (!has_value) {
      if (flag->kind == Kind::kBool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        *error = "flag -" + std::string(name) + " needs a value";
        return false;
      }
    }
    if (std::string e = Apply(flag, value); !e.empty()) {
      *error = e;
      return false;
    }
  }
  return true;
}

std::string FlagSet::Usage() const {
  std::string out = "Usage of " + program_ + ":\n";
  for (const Flag& f : flags_) {
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
  return out;
}

}  // namespace logscribe
