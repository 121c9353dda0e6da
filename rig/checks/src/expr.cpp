// The expression language: lexer, recursive-descent parser with unit checking, live and trace evaluation.
#include "rig/expr.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include "expr_internal.hpp"

namespace rig::expr {

ParseError::ParseError(std::size_t column, std::string detail)
    : std::runtime_error("column " + std::to_string(column) + ": " + detail),
      column_(column),
      detail_(std::move(detail)) {}

// ---------------------------------------------------------------------------------------------------------------
// Units
namespace {

std::int64_t as_bits(double v) {
  return std::fabs(v) <= kMaxBitOperand ? static_cast<std::int64_t>(v) : 0;  // NaN fails the comparison too
}

struct UnitInfo {
  std::string_view name;
  std::string_view dimension;  // the SI base unit of the dimension
  double factor;               // value × factor = value in the base unit
};

constexpr UnitInfo kUnits[] = {
    {"V", "V", 1.0},        {"mV", "V", 1e-3},      {"kV", "V", 1e3},       {"uV", "V", 1e-6},
    {"A", "A", 1.0},        {"mA", "A", 1e-3},      {"kA", "A", 1e3},       {"uA", "A", 1e-6},
    {"s", "s", 1.0},        {"ms", "s", 1e-3},      {"us", "s", 1e-6},      {"ns", "s", 1e-9},
    {"min", "s", 60.0},     {"h", "s", 3600.0},     {"degC", "degC", 1.0},  {"\xC2\xB0" "C", "degC", 1.0},
    {"C", "degC", 1.0},     {"W", "W", 1.0},        {"kW", "W", 1e3},       {"mW", "W", 1e-3},
    {"Ah", "Ah", 1.0},      {"mAh", "Ah", 1e-3},    {"Wh", "Wh", 1.0},      {"kWh", "Wh", 1e3},
    {"Ohm", "Ohm", 1.0},    {"mOhm", "Ohm", 1e-3},  {"kOhm", "Ohm", 1e3},   {"Hz", "Hz", 1.0},
    {"kHz", "Hz", 1e3},     {"%", "ratio", 0.01},
};

const UnitInfo* find_unit(std::string_view name) {
  for (const auto& u : kUnits)
    if (u.name == name) return &u;
  return nullptr;
}

std::string known_units_list() {
  std::string s;
  for (const auto& u : kUnits) {
    if (u.name == "C" || u.name == "\xC2\xB0" "C") continue;
    if (!s.empty()) s += ' ';
    s += u.name;
  }
  return s;
}

}  // namespace

// The unit of a signal: its declared unit, else inferred from the name's suffix.
std::string infer_unit(std::string_view name) {
  const auto slash = name.rfind('/');
  std::string leaf(slash == std::string_view::npos ? name : name.substr(slash + 1));
  for (auto& c : leaf) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  struct Suffix {
    std::string_view suffix, unit;
  };
  static constexpr Suffix kSuffixes[] = {
      {"_mv", "mV"}, {"_ma", "mA"}, {"_ms", "ms"}, {"_degc", "degC"}, {"_mah", "mAh"}, {"_kwh", "kWh"},
      {"_pct", "%"}, {"_ohm", "Ohm"}, {"_hz", "Hz"}, {"_ah", "Ah"},   {"_wh", "Wh"},   {"_v", "V"},
      {"_a", "A"},   {"_c", "degC"},  {"_s", "s"},   {"_w", "W"},
  };
  for (const auto& s : kSuffixes)
    if (leaf.size() > s.suffix.size() && leaf.ends_with(s.suffix)) return std::string(s.unit);
  return {};
}

// A comparison. Outside the anonymous namespace: the AST below (Node), held by Condition::Impl with the library's
// linkage, carries it.
enum class CmpOp : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

namespace {

// Scale of a signal's raw values to the base unit of its dimension, and that dimension.
struct SignalScale {
  std::string dimension;  // "" = no unit
  double factor = 1.0;
};

SignalScale signal_scale(const SignalRef& s) {
  if (s.unit.empty()) {
    if (s.kind == SignalKind::kAnalog) return {"ratio", 1.0};  // unit-less analog (soc): % applies
    return {};
  }
  if (const auto* u = find_unit(s.unit)) return {std::string(u->dimension), u->factor};
  if (s.unit == "degc" || s.unit == "\xC2\xB0" "C") return {"degC", 1.0};
  return {s.unit, 1.0};  // an unknown unit: only the same unit matches
}


// ---------------------------------------------------------------------------------------------------------------
// Lexer
enum class Tok { kName, kNumber, kLParen, kRParen, kCmp, kAnd, kOr, kNot, kPlus, kMinus, kStar, kSlash, kAmp, kComma, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t pos = 0;  // byte offset in the text
  std::string text;
  double number = 0.0;
  std::string unit;       // for numbers
  std::size_t unit_pos = 0;
  CmpOp cmp = CmpOp::kEq;
};

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '/' || c == '[' || c == ']' ||
         c == '.' || c == '-';
}

const char* cmp_text(CmpOp op) {
  switch (op) {
    case CmpOp::kEq: return "==";
    case CmpOp::kNe: return "!=";
    case CmpOp::kLt: return "<";
    case CmpOp::kLe: return "<=";
    case CmpOp::kGt: return ">";
    case CmpOp::kGe: return ">=";
  }
  return "?";
}

class Lexer {
 public:
  Lexer(std::string_view text, std::size_t begin, std::size_t end) : text_(text), pos_(begin), end_(end) {}

  Token next() {
    skip_space();
    Token t;
    t.pos = pos_;
    if (pos_ >= end_) return t;
    const char c = text_[pos_];
    const char n = pos_ + 1 < end_ ? text_[pos_ + 1] : '\0';
    if (c == '(') return single(t, Tok::kLParen);
    if (c == ')') return single(t, Tok::kRParen);
    if (c == '=' && n == '=') return cmp(t, CmpOp::kEq, 2);
    if (c == '!' && n == '=') return cmp(t, CmpOp::kNe, 2);
    if (c == '<' && n == '=') return cmp(t, CmpOp::kLe, 2);
    if (c == '>' && n == '=') return cmp(t, CmpOp::kGe, 2);
    if (c == '<') return cmp(t, CmpOp::kLt, 1);
    if (c == '>') return cmp(t, CmpOp::kGt, 1);
    if (c == '=') throw ParseError(pos_ + 1, "'=' is not an operator; use '==' to compare");
    if (c == '&' && n == '&') return word_op(t, Tok::kAnd, 2);
    if (c == '|' && n == '|') return word_op(t, Tok::kOr, 2);
    if (c == '!') return word_op(t, Tok::kNot, 1);
    if (c == '0' && (n == 'x' || n == 'X')) return hex(t);
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
        ((c == '-' || c == '+') && (std::isdigit(static_cast<unsigned char>(n)) || n == '.')))
      return number(t);
    if (c == '&') return word_op(t, Tok::kAmp, 1);
    if (c == '+') return word_op(t, Tok::kPlus, 1);
    if (c == '-') return word_op(t, Tok::kMinus, 1);
    if (c == '*') return word_op(t, Tok::kStar, 1);
    if (c == '/') return word_op(t, Tok::kSlash, 1);
    if (c == ',') return word_op(t, Tok::kComma, 1);
    if (is_name_start(c)) {
      std::size_t e = pos_;
      while (e < end_ && is_name_char(text_[e])) ++e;
      t.text = std::string(text_.substr(pos_, e - pos_));
      pos_ = e;
      if (t.text == "and") t.kind = Tok::kAnd;
      else if (t.text == "or") t.kind = Tok::kOr;
      else if (t.text == "not") t.kind = Tok::kNot;
      else t.kind = Tok::kName;
      return t;
    }
    std::string shown(1, c);
    if (static_cast<unsigned char>(c) >= 0x80 && n != '\0') shown += n;
    throw ParseError(pos_ + 1, "unexpected character '" + shown + "'");
  }

 private:
  void skip_space() {
    while (pos_ < end_ && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  Token single(Token& t, Tok k) {
    t.kind = k;
    t.text = std::string(1, text_[pos_++]);
    return t;
  }
  Token cmp(Token& t, CmpOp op, std::size_t len) {
    t.kind = Tok::kCmp;
    t.cmp = op;
    t.text = std::string(text_.substr(pos_, len));
    pos_ += len;
    return t;
  }
  Token word_op(Token& t, Tok k, std::size_t len) {
    t.kind = k;
    t.text = std::string(text_.substr(pos_, len));
    pos_ += len;
    return t;
  }
  Token hex(Token& t) {  // 0x… : an integer (bit masks)
    std::size_t e = pos_ + 2;
    while (e < end_ && std::isxdigit(static_cast<unsigned char>(text_[e]))) ++e;
    std::uint64_t v = 0;
    const char* b = text_.data() + pos_ + 2;
    auto [ptr, ec] = std::from_chars(b, text_.data() + e, v, 16);
    if (e == pos_ + 2 || ec != std::errc() || (e < end_ && is_name_char(text_[e])))
      throw ParseError(pos_ + 1, "malformed hexadecimal number '" +
                                     std::string(text_.substr(pos_, std::min<std::size_t>(end_ - pos_, 24))) + "'");
    (void)ptr;
    t.kind = Tok::kNumber;
    t.text = std::string(text_.substr(pos_, e - pos_));
    t.number = static_cast<double>(v);
    pos_ = e;
    return t;
  }
  Token number(Token& t) {
    std::size_t e = pos_;
    if (text_[e] == '-' || text_[e] == '+') ++e;
    while (e < end_ && (std::isdigit(static_cast<unsigned char>(text_[e])) || text_[e] == '.')) ++e;
    if (e < end_ && (text_[e] == 'e' || text_[e] == 'E')) {  // exponent only if digits follow
      std::size_t x = e + 1;
      if (x < end_ && (text_[x] == '-' || text_[x] == '+')) ++x;
      if (x < end_ && std::isdigit(static_cast<unsigned char>(text_[x]))) {
        while (x < end_ && std::isdigit(static_cast<unsigned char>(text_[x]))) ++x;
        e = x;
      }
    }
    std::string s(text_.substr(pos_, e - pos_));
    const char* first = s.c_str() + (s[0] == '+' ? 1 : 0);
    double v = 0.0;
    auto [ptr, ec] = std::from_chars(first, s.c_str() + s.size(), v);
    if (ec != std::errc() || ptr != s.c_str() + s.size() || !std::isfinite(v))
      throw ParseError(pos_ + 1, "malformed number '" + s + "'");
    t.kind = Tok::kNumber;
    t.text = s;
    t.number = v;
    pos_ = e;
    // An optional unit: the next word, unless it is an operator keyword.
    std::size_t u = pos_;
    while (u < end_ && text_[u] == ' ') ++u;
    std::size_t ue = u;
    while (ue < end_ && (std::isalpha(static_cast<unsigned char>(text_[ue])) || text_[ue] == '%' ||
                         static_cast<unsigned char>(text_[ue]) >= 0x80))
      ++ue;
    if (ue > u) {
      std::string word(text_.substr(u, ue - u));
      if (word == "and" || word == "or" || word == "not") return t;
      if (ue < end_ && is_name_char(text_[ue]) && text_[ue] != '-')
        throw ParseError(u + 1, "expected a unit after the number, found '" +
                                    std::string(text_.substr(u, std::min<std::size_t>(end_ - u, 24))) + "'");
      if (!find_unit(word))
        throw ParseError(u + 1, "unknown unit '" + word + "' (known: " + known_units_list() + ")");
      t.unit = word;
      t.unit_pos = u;
      pos_ = ue;
    }
    return t;
  }

  std::string_view text_;
  std::size_t pos_;
  std::size_t end_;
};

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd: return "end of expression";
    case Tok::kNumber: return "'" + t.text + (t.unit.empty() ? "" : " " + t.unit) + "'";
    default: return "'" + t.text + "'";
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// AST
// A value term: a signal, a constant, or arithmetic over terms. Values are in the base unit of their dimension
// (a signal's raw value × its scale).
struct Term {
  enum class Kind : std::uint8_t { kSignal, kConst, kAdd, kSub, kMul, kDiv, kNeg, kAbs, kMin, kMax, kBitAnd, kBit } kind =
      Kind::kConst;
  int a = -1, b = -1;   // child terms
  int signal = -1;      // kSignal: index into signals
  double value = 0.0;   // kConst: the value in base units; kBit: the bit number
  double scale = 1.0;   // kSignal: raw × scale = base units
};

struct Node {
  enum class Op : std::uint8_t { kOr, kAnd, kNot, kCmp, kTruthy, kConst } op = Op::kConst;
  std::vector<int> kids;
  CmpOp cmp = CmpOp::kEq;
  int lhs = -1, rhs = -1;  // kCmp: terms; kTruthy: lhs (a term ≠ 0)
  int signal = -1;         // kTruthy of a bare signal
  bool value = false;      // kConst
};

struct Condition::Impl {
  std::string text;
  std::vector<SignalRef> signals;
  std::vector<Term> terms;
  std::vector<Node> nodes;
  int root = -1;
  bool bare_signal = false;
};

namespace {

// What the parser knows about a term while it is being built.
struct PTerm {
  int term = -1;
  std::string dim;          // dimension: a base unit ("V", "A", …), "ratio" (unit-less analog, %), "" (no unit:
                            // digital, integer, bit tests), or a product/quotient such as "V·s"
  double natural = 1.0;     // factor of the unit a bare number next to this term is taken in (the signal's unit)
  bool has_signal = false;
  bool digital = false;     // a bare digital signal (0 or 1)
  bool bare_number = false; // a number without unit: takes its unit from the other side
  bool level = false;       // high/low/true/false
  bool integer = false;     // an integer value (digital/integer signal, bit test, hex number)
  double raw = 0.0;         // bare number / level as written
  std::string text;
  std::size_t pos = 0;
};

bool scalar_dim(const std::string& d) { return d.empty() || d == "ratio"; }

std::string product_dim(const std::string& a, const std::string& b) {
  if (scalar_dim(a)) return b;
  if (scalar_dim(b)) return a;
  if ((a == "V" && b == "A") || (a == "A" && b == "V")) return "W";
  if ((a == "A" && b == "Ohm") || (a == "Ohm" && b == "A")) return "V";
  return a + "·" + b;
}
std::string quotient_dim(const std::string& a, const std::string& b) {
  if (scalar_dim(b)) return a;
  if (a == b) return "ratio";
  if (a == "W" && b == "V") return "A";
  if (a == "W" && b == "A") return "V";
  if (a == "V" && b == "A") return "Ohm";
  if (a == "V" && b == "Ohm") return "A";
  return a + "/" + (b.find_first_of("·/") == std::string::npos ? b : "(" + b + ")");
}
std::string dim_text(const std::string& d) { return d.empty() ? "no unit" : d == "ratio" ? "a ratio" : d; }

class Parser {
 public:
  Parser(std::string_view text, std::size_t begin, std::size_t end, const Resolver& resolver,
         Condition::Impl& out)
      : text_(text), lexer_(text, begin, end), resolver_(resolver), out_(out) {
    advance();
  }

  int parse_condition() { return parse_or(); }

  const Token& peek() const { return tok_; }
  Token take() {
    Token t = tok_;
    advance();
    return t;
  }
  void expect_end(std::string_view what) {
    if (tok_.kind != Tok::kEnd) throw error(tok_, std::string(what));
  }
  ParseError error(const Token& t, const std::string& expected) const {
    return ParseError(t.pos + 1, "expected " + expected + ", found " + describe(t));
  }

 private:
  void advance() { tok_ = lexer_.next(); }

  int add(Node n) {
    out_.nodes.push_back(std::move(n));
    return static_cast<int>(out_.nodes.size() - 1);
  }
  int add_term(Term t) {
    out_.terms.push_back(t);
    return static_cast<int>(out_.terms.size() - 1);
  }

  int parse_or() {
    int lhs = parse_and();
    if (tok_.kind != Tok::kOr) return lhs;
    Node n;
    n.op = Node::Op::kOr;
    n.kids.push_back(lhs);
    while (tok_.kind == Tok::kOr) {
      advance();
      n.kids.push_back(parse_and());
    }
    return add(std::move(n));
  }

  int parse_and() {
    int lhs = parse_unary();
    if (tok_.kind != Tok::kAnd) return lhs;
    Node n;
    n.op = Node::Op::kAnd;
    n.kids.push_back(lhs);
    while (tok_.kind == Tok::kAnd) {
      advance();
      n.kids.push_back(parse_unary());
    }
    return add(std::move(n));
  }

  // Every '(', 'not' and unary '-' nests one level; parsing (and later evaluating) recurses per level, so the depth
  // is bounded.
  void enter(const Token& at) {
    if (++nesting_ > kMaxConditionNesting) {
      too_deep_ = true;
      throw ParseError(at.pos + 1, "found conditions nested deeper than " + std::to_string(kMaxConditionNesting) +
                                       " levels of '(', 'not' and '-', expected a flatter condition");
    }
  }

  int parse_unary() {
    if (tok_.kind == Tok::kNot) {
      enter(tok_);
      advance();
      Node n;
      n.op = Node::Op::kNot;
      n.kids.push_back(parse_unary());
      --nesting_;
      return add(std::move(n));
    }
    if (tok_.kind == Tok::kLParen) {
      // '(' opens either a condition or a value term ("(a - b) * 2 > 1"): try a condition first.
      const Lexer saved_lexer = lexer_;
      const Token saved_tok = tok_;
      const std::size_t saved_nodes = out_.nodes.size(), saved_terms = out_.terms.size(),
                        saved_signals = out_.signals.size();
      const int saved_depth = depth_, saved_nesting = nesting_;
      enter(tok_);
      advance();
      ++depth_;
      int inner = -1;
      std::optional<ParseError> as_condition;
      try {
        inner = parse_or();
        if (tok_.kind != Tok::kRParen) throw error(tok_, "')' to close the '(' , or 'and'/'or'");
      } catch (const ParseError& e) {
        as_condition = e;
      }
      depth_ = saved_depth;
      nesting_ = saved_nesting;
      // Too deep is too deep in any reading (a value's '(' nests like a condition's): no second reading of the
      // same text (with thousands of '(' it cost a second parse per level).
      if (as_condition && too_deep_) throw *as_condition;
      if (!as_condition) {
        advance();
        if (!is_term_continuation()) return inner;  // else "(a - b) * 2 > 1": the parenthesis was a value
      }
      lexer_ = saved_lexer;
      tok_ = saved_tok;
      out_.nodes.resize(saved_nodes);
      out_.terms.resize(saved_terms);
      out_.signals.resize(saved_signals);
      try {
        return parse_comparison();
      } catch (const ParseError& e) {
        // Report whichever reading got further into the text.
        if (as_condition && as_condition->column() >= e.column()) throw *as_condition;
        throw;
      }
    }
    return parse_comparison();
  }
  bool is_term_continuation() const {
    switch (tok_.kind) {
      case Tok::kPlus: case Tok::kMinus: case Tok::kStar: case Tok::kSlash: case Tok::kAmp: case Tok::kCmp: return true;
      case Tok::kNumber: return !tok_.text.empty() && (tok_.text[0] == '-' || tok_.text[0] == '+');
      default: return false;
    }
  }

  std::string after_operand_expected() const {
    return depth_ > 0 ? "a comparison operator, an arithmetic operator, 'and', 'or' or ')'"
                      : "a comparison operator, an arithmetic operator, 'and', 'or' or the end of the expression";
  }

  int parse_comparison() {
    PTerm lhs = parse_bitand();
    if (tok_.kind != Tok::kCmp) {
      if (tok_.kind != Tok::kEnd && tok_.kind != Tok::kAnd && tok_.kind != Tok::kOr && tok_.kind != Tok::kRParen)
        throw error(tok_, after_operand_expected());
      // A bare operand: a signal or a bit test (true when ≠ 0), or true/false.
      Node n;
      const Term& t = out_.terms[static_cast<std::size_t>(lhs.term)];
      if (t.kind == Term::Kind::kSignal) {
        n.op = Node::Op::kTruthy;
        n.signal = t.signal;
        n.lhs = lhs.term;
        return add(std::move(n));
      }
      if ((t.kind == Term::Kind::kBit || t.kind == Term::Kind::kBitAnd) && lhs.has_signal) {
        n.op = Node::Op::kTruthy;
        n.lhs = lhs.term;
        return add(std::move(n));
      }
      if (lhs.level && (lhs.text == "true" || lhs.text == "false")) {
        n.op = Node::Op::kConst;
        n.value = lhs.raw != 0.0;
        return add(std::move(n));
      }
      throw ParseError(lhs.pos + 1, "expected a condition; '" + lhs.text +
                                        "' alone is not one (compare it, e.g. '" + lhs.text + " > 0')");
    }
    const Token op = take();
    PTerm rhs = parse_bitand();
    if (tok_.kind == Tok::kCmp)
      throw ParseError(tok_.pos + 1, "comparisons cannot be chained; use 'and' (found '" + tok_.text + "')");
    if (!lhs.has_signal && !rhs.has_signal)
      throw ParseError(op.pos + 1, "a comparison needs a signal on one side ('" + lhs.text + " " + cmp_text(op.cmp) +
                                       " " + rhs.text + "')");
    for (const auto* side : {&lhs, &rhs}) {
      const PTerm& other = side == &lhs ? rhs : lhs;
      if (side->level && !other.integer)
        throw ParseError(side->pos + 1, "'" + side->text + "' compares with digital signals; '" + other.text +
                                            "' is analog" + (scalar_dim(other.dim) ? "" : " (" + other.dim + ")") +
                                            ": compare it with a number");
      if (other.digital && side->bare_number && !side->level && side->raw != 0.0 && side->raw != 1.0)
        throw ParseError(side->pos + 1, "'" + other.text + "' is a digital signal (0 or 1); comparing it with " +
                                            side->text + " makes no sense: compare it with high or low");
    }
    unify(lhs, rhs, "compared with");
    Node n;
    n.op = Node::Op::kCmp;
    n.cmp = op.cmp;
    n.lhs = lhs.term;
    n.rhs = rhs.term;
    return add(std::move(n));
  }

  // Gives a bare number the other side's unit, or checks that both sides have one dimension.
  void unify(PTerm& a, PTerm& b, const char* how) {
    if (a.bare_number && b.bare_number) return;
    if (a.bare_number) return adopt(a, b);
    if (b.bare_number) return adopt(b, a);
    if (a.dim != b.dim) {
      const PTerm& unit_side = a.has_signal ? b : a;  // point at the constant when there is one
      const PTerm& sig_side = a.has_signal ? a : b;
      if (!unit_side.has_signal) {
        if (scalar_dim(sig_side.dim) && sig_side.dim.empty())
          throw ParseError(unit_side.pos + 1, "unit '" + unit_side.text.substr(unit_side.text.rfind(' ') + 1) +
                                                  "' given but signal '" + sig_side.text +
                                                  "' has no unit; write the number alone");
        throw ParseError(unit_side.pos + 1, "unit '" + unit_side.text.substr(unit_side.text.rfind(' ') + 1) +
                                                "' does not match signal '" + sig_side.text + "' (" +
                                                dim_text(sig_side.dim) + ")");
      }
      throw ParseError(b.pos + 1, "'" + b.text + "' (" + dim_text(b.dim) + ") cannot be " + how + " '" + a.text +
                                      "' (" + dim_text(a.dim) + ")");
    }
  }
  void adopt(PTerm& number, const PTerm& other) {
    Term& t = out_.terms[static_cast<std::size_t>(number.term)];
    t.value = number.raw * (other.dim.empty() ? 1.0 : other.natural);
    number.dim = other.dim;
    number.natural = other.natural;
    number.bare_number = false;
  }

  PTerm binary(Term::Kind k, PTerm a, PTerm b, const Token& op) {
    PTerm r;
    r.pos = a.pos;
    r.text = a.text + " " + op.text + " " + b.text;
    r.has_signal = a.has_signal || b.has_signal;
    if (k == Term::Kind::kBitAnd)
      for (const auto* x : {&a, &b})
        if (x->bare_number && !x->level && !(std::fabs(x->raw) <= kMaxBitOperand && x->raw == std::floor(x->raw)))
          throw ParseError(x->pos + 1, "'&' takes whole numbers within +-2^53; '" + x->text + "' is not one");
    if (a.bare_number && b.bare_number && !a.level && !b.level) {  // two bare numbers: one constant
      r.bare_number = true;
      r.integer = a.integer && b.integer;
      if (k == Term::Kind::kDiv && b.raw == 0.0) throw ParseError(b.pos + 1, "division by zero");
      r.raw = k == Term::Kind::kBitAnd
                  ? static_cast<double>(as_bits(a.raw) & as_bits(b.raw))
                  : fold(k, a.raw, b.raw);
      Term t;
      t.kind = Term::Kind::kConst;
      t.value = r.raw;
      r.term = add_term(t);
      return r;
    }
    if (a.level || b.level)
      throw ParseError((a.level ? a : b).pos + 1, "high/low/true/false compare with a digital signal; they take no arithmetic");
    if (k == Term::Kind::kBitAnd) {
      for (const auto* x : {&a, &b})
        if (!x->integer && !x->bare_number)
          throw ParseError(x->pos + 1, "'&' tests bits of integer signals and numbers; '" + x->text + "' is not one");
      if (!a.bare_number || !b.bare_number) {
        for (auto* x : {&a, &b})
          if (x->bare_number) adopt(*x, x == &a ? b : a);
      }
      r.integer = true;
    } else if (k == Term::Kind::kAdd || k == Term::Kind::kSub || k == Term::Kind::kMin || k == Term::Kind::kMax) {
      unify(a, b, k == Term::Kind::kAdd ? "added to" : k == Term::Kind::kSub ? "subtracted from" : "compared with");
      r.dim = a.bare_number ? b.dim : a.dim;
      r.natural = a.bare_number ? b.natural : a.natural;
      r.integer = a.integer && b.integer;
    } else {  // * and /: a bare number is a pure factor
      for (auto* x : {&a, &b})
        if (x->bare_number) {
          out_.terms[static_cast<std::size_t>(x->term)].value = x->raw;
          x->dim = "";
          x->natural = 1.0;
        }
      if (k == Term::Kind::kDiv && b.bare_number && b.raw == 0.0)
        throw ParseError(b.pos + 1, "division by zero");
      r.dim = k == Term::Kind::kMul ? product_dim(a.dim, b.dim) : quotient_dim(a.dim, b.dim);
      r.natural = r.dim == "ratio" ? 1.0 : k == Term::Kind::kMul ? a.natural * b.natural : a.natural / b.natural;
    }
    Term t;
    t.kind = k;
    t.a = a.term;
    t.b = b.term;
    r.term = add_term(t);
    return r;
  }
  static double fold(Term::Kind k, double x, double y) {
    switch (k) {
      case Term::Kind::kAdd: return x + y;
      case Term::Kind::kSub: return x - y;
      case Term::Kind::kMul: return x * y;
      case Term::Kind::kDiv: return x / y;
      case Term::Kind::kMin: return std::min(x, y);
      case Term::Kind::kMax: return std::max(x, y);
      default: return 0.0;
    }
  }

  // bitand := sum { '&' sum }        (binds looser than + - but tighter than comparisons: `flags & 0x4 != 0`)
  PTerm parse_bitand() {
    PTerm lhs = parse_sum();
    while (tok_.kind == Tok::kAmp) {
      const Token op = take();
      lhs = binary(Term::Kind::kBitAnd, lhs, parse_sum(), op);
    }
    return lhs;
  }
  // sum := product { ('+' | '-') product }
  PTerm parse_sum() {
    PTerm lhs = parse_product();
    for (;;) {
      if (tok_.kind == Tok::kPlus || tok_.kind == Tok::kMinus) {
        const Token op = take();
        lhs = binary(op.kind == Tok::kPlus ? Term::Kind::kAdd : Term::Kind::kSub, lhs, parse_product(), op);
      } else if (tok_.kind == Tok::kNumber && !tok_.text.empty() && (tok_.text[0] == '-' || tok_.text[0] == '+')) {
        // "a -0.1": the sign is the operator
        Token op = tok_;
        op.text = std::string(1, tok_.text[0]);
        tok_.text.erase(0, 1);
        if (op.text == "-") tok_.number = -tok_.number;
        ++tok_.pos;
        lhs = binary(op.text == "+" ? Term::Kind::kAdd : Term::Kind::kSub, lhs, parse_product(), op);
      } else {
        return lhs;
      }
    }
  }
  // product := factor { ('*' | '/') factor }
  PTerm parse_product() {
    PTerm lhs = parse_factor();
    while (tok_.kind == Tok::kStar || tok_.kind == Tok::kSlash) {
      const Token op = take();
      lhs = binary(op.kind == Tok::kStar ? Term::Kind::kMul : Term::Kind::kDiv, lhs, parse_factor(), op);
    }
    return lhs;
  }
  // factor := '-' factor | '(' bitand ')' | function '(' … ')' | signal | number [unit] | level
  PTerm parse_factor() {
    if (tok_.kind == Tok::kMinus) {
      const Token op = take();
      enter(op);
      PTerm x = parse_factor();
      --nesting_;
      if (x.level) throw ParseError(op.pos + 1, "'-' before a level makes no sense");
      if (!x.has_signal && out_.terms[static_cast<std::size_t>(x.term)].kind == Term::Kind::kConst) {
        out_.terms[static_cast<std::size_t>(x.term)].value *= -1.0;
        x.raw = -x.raw;
        x.text = "-" + x.text;
        x.pos = op.pos;
        return x;
      }
      Term t;
      t.kind = Term::Kind::kNeg;
      t.a = x.term;
      x.term = add_term(t);
      x.raw = -x.raw;
      x.text = "-" + x.text;
      x.pos = op.pos;
      x.digital = false;
      return x;
    }
    if (tok_.kind == Tok::kLParen) {
      const Token open = take();
      enter(open);
      ++depth_;
      PTerm x = parse_bitand();
      if (tok_.kind != Tok::kRParen) throw error(tok_, "')' to close the '('");
      --depth_;
      --nesting_;
      advance();
      x.text = "(" + x.text + ")";
      x.pos = open.pos;
      return x;
    }
    if (tok_.kind == Tok::kName && (tok_.text == "abs" || tok_.text == "min" || tok_.text == "max" ||
                                    tok_.text == "bit")) {
      const Token fn = take();
      if (tok_.kind != Tok::kLParen) throw error(tok_, "'(' after '" + fn.text + "'");
      enter(tok_);
      advance();
      ++depth_;
      PTerm a = parse_bitand();
      PTerm r;
      if (fn.text == "abs") {
        if (a.level) throw ParseError(fn.pos + 1, "abs() of a level makes no sense");
        if (!a.has_signal && out_.terms[static_cast<std::size_t>(a.term)].kind == Term::Kind::kConst) {
          auto& c = out_.terms[static_cast<std::size_t>(a.term)];
          c.value = std::fabs(c.value);
          a.raw = std::fabs(a.raw);
        }
        Term t;
        t.kind = Term::Kind::kAbs;
        t.a = a.term;
        r = a;
        r.term = add_term(t);
        r.raw = std::fabs(a.raw);
        r.digital = false;
      } else {
        if (tok_.kind != Tok::kComma) throw error(tok_, "',' and a second argument of '" + fn.text + "('");
        advance();
        if (fn.text == "bit") {
          if (tok_.kind != Tok::kNumber || !tok_.unit.empty() || tok_.number < 0 || tok_.number > 52 ||
              tok_.number != std::floor(tok_.number))
            throw error(tok_, "a bit number 0..52");
          if (!a.integer || !a.has_signal)
            throw ParseError(a.pos + 1, "bit() tests a bit of an integer signal; '" + a.text + "' is not one");
          Term t;
          t.kind = Term::Kind::kBit;
          t.a = a.term;
          t.value = tok_.number;
          advance();
          r = a;
          r.term = add_term(t);
          r.integer = true;
          r.digital = false;
          r.dim = "";
        } else {
          PTerm b = parse_bitand();
          const Token comma{Tok::kComma, fn.pos, ",", 0.0, "", 0, CmpOp::kEq};
          r = binary(fn.text == "min" ? Term::Kind::kMin : Term::Kind::kMax, a, b, comma);
        }
      }
      if (tok_.kind != Tok::kRParen) throw error(tok_, "')' to close '" + fn.text + "('");
      --depth_;
      --nesting_;
      advance();
      r.pos = fn.pos;
      r.text = fn.text + "(" + a.text + (fn.text == "abs" ? ")" : ", …)");
      return r;
    }
    if (tok_.kind == Tok::kNumber) {
      PTerm x;
      Term t;
      t.kind = Term::Kind::kConst;
      x.raw = tok_.number;
      x.integer = tok_.number == std::floor(tok_.number);
      x.pos = tok_.unit.empty() ? tok_.pos : tok_.unit_pos;  // unit errors point at the unit
      x.text = tok_.text + (tok_.unit.empty() ? "" : " " + tok_.unit);
      if (tok_.unit.empty()) {
        x.bare_number = true;
        t.value = tok_.number;
      } else {
        const UnitInfo* u = find_unit(tok_.unit);
        x.dim = std::string(u->dimension);
        t.value = tok_.number * u->factor;
        x.natural = u->factor;
        x.integer = false;
      }
      x.term = add_term(t);
      advance();
      return x;
    }
    if (tok_.kind == Tok::kName) {
      const std::string& w = tok_.text;
      if (w == "high" || w == "low" || w == "true" || w == "false") {
        PTerm x;
        Term t;
        t.kind = Term::Kind::kConst;
        x.raw = t.value = (w == "high" || w == "true") ? 1.0 : 0.0;
        x.level = x.bare_number = x.integer = true;
        x.pos = tok_.pos;
        x.text = w;
        x.term = add_term(t);
        advance();
        return x;
      }
      if (w == "rise" || w == "fall" || w == "change") {
        throw ParseError(tok_.pos + 1, "'" + w +
                                           "(...)' is an event, not a condition; events go in lead first/then, "
                                           "after: and timeline triggers");
      }
      PTerm x;
      Term t;
      t.kind = Term::Kind::kSignal;
      t.signal = resolve(tok_);
      const SignalRef& ref = out_.signals[static_cast<std::size_t>(t.signal)];
      const SignalScale ss = signal_scale(ref);
      x.dim = ss.dimension;
      t.scale = ss.factor;
      if (ref.unit == "%") x.dim = "ratio", t.scale = 0.01;
      x.natural = t.scale;
      x.has_signal = true;
      x.digital = ref.kind == SignalKind::kDigital;
      x.integer = ref.kind != SignalKind::kAnalog;
      x.pos = tok_.pos;
      x.text = w;
      x.term = add_term(t);
      advance();
      return x;
    }
    throw error(tok_, "a signal, a number, high/low/true/false, 'not' or '('");
  }

  int resolve(const Token& t) {
    for (std::size_t i = 0; i < out_.signals.size(); ++i)
      if (out_.signals[i].name == t.text) return static_cast<int>(i);
    std::optional<SignalDecl> decl;
    if (resolver_.lookup) decl = resolver_.lookup(t.text);
    if (!decl) {
      // A '(' is read first as a condition, then as a value: a name inside nested parentheses is resolved again on
      // each reading. Its message (the costly part: the suggestions over the whole catalogue) is built once.
      for (const auto& [name, known] : unknown_)
        if (name == t.text) throw ParseError(t.pos + 1, known);
      std::string msg = "unknown signal '" + t.text + "'";
      // "a/2" or "a-b" read as one name: a known signal followed by '/' or '-'.
      bool swallowed = false;
      for (std::size_t k = 1; k < t.text.size() && !swallowed && resolver_.lookup; ++k)
        if ((t.text[k] == '/' || t.text[k] == '-') && resolver_.lookup(std::string_view(t.text).substr(0, k)))
          swallowed = true;
      std::vector<std::string> m;
      if (!swallowed && resolver_.names) m = close_matches(t.text, resolver_.names());
      if (swallowed) {
        msg += " (to subtract or divide, put spaces around '-' and '/': 'a - b', 'a / 2')";
      } else if (!m.empty()) {
        msg += " (did you mean ";
        for (std::size_t i = 0; i < m.size(); ++i) msg += (i ? ", '" : "'") + m[i] + "'";
        msg += "?)";
      }
      unknown_.emplace_back(t.text, msg);
      throw ParseError(t.pos + 1, msg);
    }
    SignalRef r;
    r.name = t.text;
    r.id = decl->id;
    r.kind = decl->kind;
    r.unit = decl->unit.empty() ? infer_unit(t.text) : decl->unit;
    out_.signals.push_back(std::move(r));
    return static_cast<int>(out_.signals.size() - 1);
  }

  std::string_view text_;
  Lexer lexer_;
  const Resolver& resolver_;
  Condition::Impl& out_;
  Token tok_;
  int depth_ = 0;
  int nesting_ = 0;  // '(' and 'not' levels open
  bool too_deep_ = false;  // the nesting limit was passed: the text is refused whatever the reading
  std::vector<std::pair<std::string, std::string>> unknown_;  // unknown names met so far, with their message
};

std::string trimmed(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool compare(CmpOp op, double a, double b) {
  switch (op) {
    case CmpOp::kEq: return a == b;
    case CmpOp::kNe: return a != b;
    case CmpOp::kLt: return a < b;
    case CmpOp::kLe: return a <= b;
    case CmpOp::kGt: return a > b;
    case CmpOp::kGe: return a >= b;
  }
  return false;
}

// The value of a term in base units; `ok` false when a signal it reads is not known.
double eval_term(const Condition::Impl& impl, int idx, const double* values, const bool* known, bool& ok) {
  const Term& t = impl.terms[static_cast<std::size_t>(idx)];
  switch (t.kind) {
    case Term::Kind::kConst: return t.value;
    case Term::Kind::kSignal:
      if (!known[t.signal]) ok = false;
      return values[t.signal] * t.scale;
    case Term::Kind::kNeg: return -eval_term(impl, t.a, values, known, ok);
    case Term::Kind::kAbs: return std::fabs(eval_term(impl, t.a, values, known, ok));
    case Term::Kind::kBit: {
      const double v = eval_term(impl, t.a, values, known, ok);
      return static_cast<double>((as_bits(v) >> static_cast<int>(t.value)) & 1);
    }
    default: break;
  }
  const double x = eval_term(impl, t.a, values, known, ok), y = eval_term(impl, t.b, values, known, ok);
  switch (t.kind) {
    case Term::Kind::kAdd: return x + y;
    case Term::Kind::kSub: return x - y;
    case Term::Kind::kMul: return x * y;
    case Term::Kind::kDiv: return y == 0.0 ? std::numeric_limits<double>::quiet_NaN() : x / y;
    case Term::Kind::kMin: return std::min(x, y);
    case Term::Kind::kMax: return std::max(x, y);
    case Term::Kind::kBitAnd:
      return static_cast<double>(as_bits(x) & as_bits(y));
    default: return 0.0;
  }
}

// values[i] / known[i] by signal index.
bool eval_node(const Condition::Impl& impl, int idx, const double* values, const bool* known) {
  const Node& n = impl.nodes[static_cast<std::size_t>(idx)];
  switch (n.op) {
    case Node::Op::kConst: return n.value;
    case Node::Op::kTruthy: {
      if (n.signal >= 0) return known[n.signal] && values[n.signal] != 0.0;
      bool ok = true;
      const double v = eval_term(impl, n.lhs, values, known, ok);
      return ok && v != 0.0;
    }
    case Node::Op::kNot: return !eval_node(impl, n.kids[0], values, known);
    case Node::Op::kAnd:
      for (int k : n.kids)
        if (!eval_node(impl, k, values, known)) return false;
      return true;
    case Node::Op::kOr:
      for (int k : n.kids)
        if (eval_node(impl, k, values, known)) return true;
      return false;
    case Node::Op::kCmp: {
      bool ok = true;
      const double a = eval_term(impl, n.lhs, values, known, ok);
      const double b = eval_term(impl, n.rhs, values, known, ok);
      return ok && compare(n.cmp, a, b);  // NaN (a division by zero) compares false
    }
  }
  return false;
}

std::shared_ptr<Condition::Impl> parse_range(std::string_view text, std::size_t begin, std::size_t end,
                                             const Resolver& resolver, Parser** keep = nullptr) {
  (void)keep;
  auto impl = std::make_shared<Condition::Impl>();
  impl->text = trimmed(text.substr(begin, end - begin));
  Parser p(text, begin, end, resolver, *impl);
  if (p.peek().kind == Tok::kEnd) throw p.error(p.peek(), "a condition");
  impl->root = p.parse_condition();
  if (p.peek().kind == Tok::kRParen) throw ParseError(p.peek().pos + 1, "unbalanced ')'");
  p.expect_end("a comparison operator, 'and', 'or' or the end of the expression");
  const Node& r = impl->nodes[static_cast<std::size_t>(impl->root)];
  impl->bare_signal = r.op == Node::Op::kTruthy;
  return impl;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Condition

Condition Condition::parse(std::string_view text, const Resolver& resolver) {
  Condition c;
  c.impl_ = parse_range(text, 0, text.size(), resolver);
  return c;
}

const std::string& Condition::text() const { return impl_->text; }
const std::vector<SignalRef>& Condition::signals() const { return impl_->signals; }
bool Condition::is_bare_signal() const { return impl_->bare_signal; }

namespace {

// Evaluates `impl`'s tree with the values `fill(i, value, known)` gives for each of its signals; no allocation for the
// usual few signals (this runs every tick for timeline triggers and every plant step for watched conditions).
template <typename Impl, typename Fill>
bool evaluate_filled(const Impl& impl, Fill&& fill) {
  constexpr std::size_t kInline = 16;
  const std::size_t n = impl.signals.size();
  double values_inline[kInline];
  bool known_inline[kInline];
  std::vector<double> values_heap;
  std::unique_ptr<bool[]> known_heap;
  double* values = values_inline;
  bool* known = known_inline;
  if (n > kInline) {
    values_heap.resize(n);
    known_heap.reset(new bool[n]);
    values = values_heap.data();
    known = known_heap.get();
  }
  for (std::size_t i = 0; i < n; ++i) fill(i, values[i], known[i]);
  return eval_node(impl, impl.root, values, known);
}

}  // namespace

bool Condition::evaluate(const ValueFn& value) const {
  return evaluate_filled(*impl_, [&](std::size_t i, double& v, bool& known) {
    const auto x = value(impl_->signals[i].id);
    known = x.has_value();
    v = x.value_or(0.0);
  });
}

bool Condition::evaluate(const std::vector<SignalId>& ids, const std::vector<double>& all) const {
  return evaluate_filled(*impl_, [&](std::size_t i, double& v, bool& known) {
    const double x = i < ids.size() && ids[i] < all.size() ? all[ids[i]] : std::numeric_limits<double>::quiet_NaN();
    known = !std::isnan(x);
    v = known ? x : 0.0;
  });
}

IntervalSet Condition::intervals(const Trace& trace) const { return detail::truth_timeline(*this, trace).intervals(); }

std::optional<Interval> Condition::domain(const Trace& trace) const {
  const auto tl = detail::truth_timeline(*this, trace);
  if (!tl.valid) return std::nullopt;
  return Interval{tl.start, tl.end};
}

std::vector<std::string> Condition::missing_signals(const Trace& trace) const {
  std::vector<std::string> out;
  for (const auto& s : impl_->signals) {
    const auto id = trace.find(s.name);
    if (!id || trace.samples(*id).empty()) out.push_back(s.name);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Truth timeline: a merge over the change points of the used signals.
namespace detail {

Time effective_end(const Trace& trace) {
  Time end = trace.end_time();
  if (end > Time{0}) return end;
  for (SignalId i = 0; i < trace.signal_count(); ++i) {
    const auto& s = trace.samples(i);
    if (!s.empty()) end = std::max(end, s.back().t);
  }
  return end;
}

bool TruthTimeline::at(Time t) const {
  if (!valid || t < start || t > end) return false;
  bool v = initial;
  auto it = std::upper_bound(transitions.begin(), transitions.end(), t,
                             [](Time x, const std::pair<Time, bool>& p) { return x < p.first; });
  if (it != transitions.begin()) v = std::prev(it)->second;
  return v;
}

std::optional<Time> TruthTimeline::first_true(Time from, Time until) const {
  if (!valid) return std::nullopt;
  from = std::max(from, start);
  until = std::min(until, end);
  if (from > until) return std::nullopt;
  if (at(from)) return from;
  auto it = std::upper_bound(transitions.begin(), transitions.end(), from,
                             [](Time x, const std::pair<Time, bool>& p) { return x < p.first; });
  for (; it != transitions.end() && it->first <= until; ++it)
    if (it->second) return it->first;
  return std::nullopt;
}

IntervalSet TruthTimeline::intervals() const {
  IntervalSet out;
  if (!valid) return out;
  bool cur = initial;
  Time begin = start;
  for (const auto& [t, v] : transitions) {
    if (v == cur) continue;
    if (cur && t > begin) out.push_back({begin, t});
    cur = v;
    begin = t;
  }
  if (cur && end > begin) out.push_back({begin, end});
  return out;
}

TruthTimeline truth_timeline(const Condition& condition, const Trace& trace) {
  const auto& impl = *condition.impl_;
  TruthTimeline tl;
  const Time end = effective_end(trace);
  tl.end = end;
  const std::size_t n = impl.signals.size();
  std::vector<const std::vector<Sample>*> series(n);
  Time start{0};
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = trace.find(impl.signals[i].name);
    if (!id) return tl;
    series[i] = &trace.samples(*id);
    if (series[i]->empty() || series[i]->front().t > end) return tl;
    start = std::max(start, series[i]->front().t);
  }
  tl.valid = true;
  tl.start = start;
  std::vector<double> values(n, 0.0);
  std::unique_ptr<bool[]> known(new bool[n > 0 ? n : 1]);
  std::vector<std::size_t> next(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& s = *series[i];
    // last sample with t <= start
    auto it = std::upper_bound(s.begin(), s.end(), start, [](Time x, const Sample& p) { return x < p.t; });
    values[i] = std::prev(it)->value;
    known[i] = true;
    next[i] = static_cast<std::size_t>(it - s.begin());
  }
  bool cur = eval_node(impl, impl.root, values.data(), known.get());
  tl.initial = cur;
  for (;;) {
    Time t = Time::max();
    for (std::size_t i = 0; i < n; ++i)
      if (next[i] < series[i]->size()) t = std::min(t, (*series[i])[next[i]].t);
    if (t == Time::max() || t > end) break;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& s = *series[i];
      while (next[i] < s.size() && s[next[i]].t == t) values[i] = s[next[i]++].value;
    }
    const bool v = eval_node(impl, impl.root, values.data(), known.get());
    if (v != cur) {
      tl.transitions.emplace_back(t, v);
      cur = v;
    }
  }
  return tl;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------------------------
// Events

Event Event::parse(std::string_view text, const Resolver& resolver) {
  // rise( / fall( / change( ... ) with nothing after the closing parenthesis.
  std::size_t b = 0;
  while (b < text.size() && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  std::size_t w = b;
  while (w < text.size() && std::isalpha(static_cast<unsigned char>(text[w]))) ++w;
  const std::string_view word = text.substr(b, w - b);
  std::size_t p = w;
  while (p < text.size() && text[p] == ' ') ++p;
  const bool is_call = p < text.size() && text[p] == '(';
  EventKind kind = EventKind::kWhen;
  if (is_call && word == "rise") kind = EventKind::kRise;
  else if (is_call && word == "fall") kind = EventKind::kFall;
  else if (is_call && word == "change") kind = EventKind::kChange;
  if (kind == EventKind::kWhen) {
    Condition c = Condition::parse(text, resolver);
    return Event(trimmed(text), kind, std::move(c));
  }
  // find the matching ')'
  int depth = 0;
  std::size_t close = std::string_view::npos;
  for (std::size_t i = p; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    else if (text[i] == ')' && --depth == 0) {
      close = i;
      break;
    }
  }
  if (close == std::string_view::npos)
    throw ParseError(text.size() + 1, "expected ')' to close '" + std::string(word) + "(', found end of expression");
  for (std::size_t i = close + 1; i < text.size(); ++i)
    if (!std::isspace(static_cast<unsigned char>(text[i])))
      throw ParseError(i + 1, "expected the end of the event after '" + std::string(word) + "(...)', found '" +
                                  std::string(text.substr(i)) + "'");
  Condition c;
  c.impl_ = parse_range(text, p + 1, close, resolver);
  return Event(trimmed(text), kind, std::move(c));
}

std::vector<Time> Event::times(const Trace& trace, Time from, Time until) const {
  std::vector<Time> out;
  if (kind_ == EventKind::kChange && condition_.is_bare_signal()) {
    const auto id = trace.find(condition_.signals()[0].name);
    if (!id) return out;
    const auto& s = trace.samples(*id);
    const Time end = detail::effective_end(trace);
    for (std::size_t i = 1; i < s.size(); ++i) {
      const Time t = s[i].t;
      if (t > end || t > until) break;
      if (t >= from && s[i].value != s[i - 1].value) out.push_back(t);
    }
    return out;
  }
  const auto tl = detail::truth_timeline(condition_, trace);
  if (!tl.valid) return out;
  auto keep = [&](Time t) {
    if (t >= from && t <= until) out.push_back(t);
  };
  if (kind_ == EventKind::kWhen && tl.initial) keep(tl.start);
  for (const auto& [t, v] : tl.transitions) {
    if ((kind_ == EventKind::kRise || kind_ == EventKind::kWhen) && v) keep(t);
    else if (kind_ == EventKind::kFall && !v) keep(t);
    else if (kind_ == EventKind::kChange) keep(t);
  }
  return out;
}

std::optional<Time> Event::first(const Trace& trace, Time from, Time until) const {
  const auto t = times(trace, from, until);
  if (t.empty()) return std::nullopt;
  return t.front();
}

EventDetector::EventDetector(Event event) : event_(std::move(event)) {}

bool EventDetector::update(const ValueFn& value) {
  const bool truth = event_.condition().evaluate(value);
  std::optional<double> v;
  if (event_.kind() == EventKind::kChange && event_.condition().is_bare_signal())
    v = value(event_.condition().signals()[0].id);
  bool fired = false;
  if (!primed_) {
    fired = event_.kind() == EventKind::kWhen && truth;
  } else {
    switch (event_.kind()) {
      case EventKind::kRise:
      case EventKind::kWhen: fired = truth && !last_truth_; break;
      case EventKind::kFall: fired = !truth && last_truth_; break;
      case EventKind::kChange:
        fired = event_.condition().is_bare_signal() ? (v && last_value_ && *v != *last_value_)
                                                    : truth != last_truth_;
        break;
    }
  }
  primed_ = true;
  last_truth_ = truth;
  if (v) last_value_ = v;
  return fired;
}

// ---------------------------------------------------------------------------------------------------------------
// Resolver, quantities, close matches

Resolver resolver_for(const Trace& trace) {
  Resolver r;
  r.lookup = [&trace](std::string_view name) -> std::optional<SignalDecl> {
    const auto id = trace.find(name);
    if (!id) return std::nullopt;
    const auto& info = trace.info(*id);
    return SignalDecl{*id, info.unit, info.kind};
  };
  r.names = [&trace] {
    std::vector<std::string> names;
    for (SignalId i = 0; i < trace.signal_count(); ++i) names.push_back(trace.info(i).name);
    return names;
  };
  return r;
}

Quantity parse_quantity(std::string_view text) {
  Lexer lex(text, 0, text.size());
  const Token t = lex.next();
  if (t.kind != Tok::kNumber)
    throw ParseError(t.pos + 1, "expected a number with an optional unit (e.g. '30 s', '13.2 V'), found " +
                                    describe(t));
  const Token e = lex.next();
  if (e.kind != Tok::kEnd) throw ParseError(e.pos + 1, "expected the end after the quantity, found " + describe(e));
  Quantity q;
  q.value = t.number;
  q.unit = t.unit;
  q.value_si = t.number;
  if (!t.unit.empty()) {
    const UnitInfo* u = find_unit(t.unit);
    q.value_si = t.number * u->factor;
    q.unit_si = std::string(u->dimension);
  }
  return q;
}

Time parse_duration(std::string_view text) {
  const Quantity q = parse_quantity(text);
  std::size_t b = 0;
  while (b < text.size() && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  if (q.unit.empty())
    throw ParseError(text.size() + 1, "expected a time unit after '" + trimmed(text) + "' (s, ms, min, h)");
  if (q.unit_si != "s")
    throw ParseError(text.find(q.unit) + 1, "expected a time unit (s, ms, us, ns, min, h), found '" + q.unit + "'");
  if (q.value_si < 0) throw ParseError(b + 1, "a duration cannot be negative ('" + trimmed(text) + "')");
  if (!(q.value_si <= kMaxDurationS))
    throw ParseError(b + 1, "expected a duration of at most 1e9 s, found '" + trimmed(text) + "'");
  return from_seconds(q.value_si);
}

namespace {
// The edit (Levenshtein) distance of a and b when it is at most `limit`, otherwise limit + 1. Only the diagonal
// band |i - j| <= limit can hold a distance within the limit, and once a whole row of the table exceeds it no later
// row comes back under it, so the work is O(limit * length) and a hopeless candidate is left after a few rows.
std::size_t bounded_edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
  const std::size_t over = limit + 1;
  const std::size_t diff = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (diff > limit) return over;
  std::vector<std::size_t> prev(b.size() + 2, over), cur(b.size() + 2, over);
  for (std::size_t j = 0; j <= b.size() && j <= limit; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    const std::size_t lo = i > limit ? i - limit : 1;
    const std::size_t hi = std::min(b.size(), i + limit);
    cur[lo - 1] = lo == 1 ? std::min(i, over) : over;
    std::size_t row_min = cur[lo - 1];
    for (std::size_t j = lo; j <= hi; ++j) {
      std::size_t v = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      if (prev[j] + 1 < v) v = prev[j] + 1;
      if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
      if (over < v) v = over;
      cur[j] = v;
      if (v < row_min) row_min = v;
    }
    cur[hi + 1] = over;  // the next row's band reaches one column further
    if (row_min > limit) return over;
    std::swap(prev, cur);
  }
  return std::min(prev[b.size()], over);
}
}  // namespace

std::vector<std::string> close_matches(std::string_view name, const std::vector<std::string>& candidates,
                                       std::size_t max) {
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  const auto leaf = [](std::string_view s) {
    const auto p = s.rfind('/');
    return p == std::string_view::npos ? s : s.substr(p + 1);
  };
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& c : candidates) {
    // bounded: a candidate further than `limit` edits costs a few rows of the table, and one whose length differs
    // by more than `limit` costs nothing (a 30 000-character name stays linear)
    std::size_t d = bounded_edit_distance(name, c, limit);
    if (d > limit && leaf(c) == leaf(name) && !leaf(name).empty()) d = limit;  // same leaf, other path
    if (d <= limit) scored.emplace_back(d, c);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < max; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace rig::expr

namespace rig::expr::detail {

std::optional<SimpleComparison> simple_comparison(const Condition& condition) {
  const auto& impl = *condition.impl_;
  const Node& n = impl.nodes[static_cast<std::size_t>(impl.root)];
  if (n.op != Node::Op::kCmp) return std::nullopt;
  // One side a signal (or abs(signal)), the other a constant.
  const auto signal_side = [&](int term, bool& is_abs) -> const Term* {
    const Term* t = &impl.terms[static_cast<std::size_t>(term)];
    is_abs = false;
    if (t->kind == Term::Kind::kAbs) {
      is_abs = true;
      t = &impl.terms[static_cast<std::size_t>(t->a)];
    }
    return t->kind == Term::Kind::kSignal ? t : nullptr;
  };
  bool lhs_abs = false, rhs_abs = false;
  const Term* ls = signal_side(n.lhs, lhs_abs);
  const Term* rs = signal_side(n.rhs, rhs_abs);
  const Term& lt = impl.terms[static_cast<std::size_t>(n.lhs)];
  const Term& rt = impl.terms[static_cast<std::size_t>(n.rhs)];
  const bool lhs_sig = ls != nullptr && rt.kind == Term::Kind::kConst;
  const bool rhs_sig = rs != nullptr && lt.kind == Term::Kind::kConst;
  if (!lhs_sig && !rhs_sig) return std::nullopt;
  const Term& sig = lhs_sig ? *ls : *rs;
  const double cst = lhs_sig ? rt.value : lt.value;
  CmpOp op = n.cmp;
  if (!lhs_sig) {  // c op x  →  x op' c
    switch (op) {
      case CmpOp::kLt: op = CmpOp::kGt; break;
      case CmpOp::kLe: op = CmpOp::kGe; break;
      case CmpOp::kGt: op = CmpOp::kLt; break;
      case CmpOp::kGe: op = CmpOp::kLe; break;
      default: break;
    }
  }
  SimpleComparison s;
  s.signal = impl.signals[static_cast<std::size_t>(sig.signal)].name;
  s.unit = impl.signals[static_cast<std::size_t>(sig.signal)].unit;
  s.op = static_cast<SimpleComparison::Op>(op);
  s.threshold = sig.scale != 0.0 ? cst / sig.scale : cst;
  s.abs = lhs_sig ? lhs_abs : rhs_abs;
  return s;
}

}  // namespace rig::expr::detail
