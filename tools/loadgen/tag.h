// Tag: what the load generator puts on a completion queue. The connection's
// loop calls Proceed(ok) for every event; `ok == false` is a normal outcome
// (a cancelled or broken call) and every Proceed handles it.
//
// Thread contract: a tag and what it points at belong to one connection
// thread.
#pragma once

namespace logscribe::loadgen {

class Tag {
 public:
  virtual void Proceed(bool ok) = 0;

 protected:
  ~Tag() = default;
};

// One tag per kind of operation of an object with several operations
// outstanding at once (a stream's read and write): each completion goes to
// its own method.
template <typename T>
class MethodTag final : public Tag {
 public:
  MethodTag(T* object, void (T::*method)(bool)) : object_(object), method_(method) {}
  void Proceed(bool ok) override { (object_->*method_)(ok); }

 private:
  T* const object_;
  void (T::*const method_)(bool);
};

}  // namespace logscribe::loadgen
