#include "rblscope/verdict.hpp"

namespace rblscope {

std::string_view to_string(Status s) noexcept {
    switch (s) {
    case Status::listed:
        return "listed";
    case Status::clean:
        return "clean";
    case Status::error:
        return "error";
    case Status::timeout:
        return "timeout";
    case Status::skipped:
        return "skipped";
    }
    return "?";
}

std::string_view to_string(Verdict v) noexcept {
    switch (v) {
    case Verdict::clean:
        return "clean";
    case Verdict::listed:
        return "listed";
    case Verdict::unknown:
        return "unknown";
    }
    return "?";
}

void decide(TargetReport& report) {
    report.listed = report.allowed = report.clean = report.errors = report.timeouts =
        report.skipped = 0;
    report.score = 0;
    bool critical = false;
    bool warning = false;
    int answered = 0;
    for (const auto& r : report.results) {
        switch (r.status) {
        case Status::listed: {
            ++answered;
            const double factor = r.severity == Severity::critical  ? 1.0
                                  : r.severity == Severity::warning ? 0.5
                                  : r.severity == Severity::allow   ? 1.0
                                                                    : 0.0;
            report.score += (r.zone != nullptr ? r.zone->weight : 1.0) * factor;
            if (r.severity == Severity::critical) {
                critical = true;
                ++report.listed;
            } else if (r.severity == Severity::warning) {
                warning = true;
                ++report.listed;
            } else if (r.severity == Severity::allow) {
                ++report.allowed;
            }
            break;
        }
        case Status::clean:
            ++answered;
            ++report.clean;
            break;
        case Status::error:
            ++report.errors;
            break;
        case Status::timeout:
            ++report.timeouts;
            break;
        case Status::skipped:
            ++report.skipped;
            break;
        }
    }
    if (critical || warning) {
        report.verdict = Verdict::listed;
        report.worst = critical ? Severity::critical : Severity::warning;
    } else if (report.errors > 0 || report.timeouts > 0 || !report.problems.empty() ||
               answered == 0) {
        report.verdict = Verdict::unknown;
        report.worst = Severity::info;
    } else {
        report.verdict = Verdict::clean;
        report.worst = Severity::info;
    }
}

ExitCode exit_code_for(const TargetReport& report, const ExitPolicy& policy) noexcept {
    if (policy.warning || policy.critical) {
        const double value = policy.on_score ? report.score : static_cast<double>(report.listed);
        if (policy.critical && policy.critical->alerts(value)) {
            return ExitCode::critical;
        }
        if (policy.warning && policy.warning->alerts(value)) {
            return ExitCode::warning;
        }
    } else if (report.verdict == Verdict::listed) {
        return report.worst == Severity::critical ? ExitCode::critical : ExitCode::warning;
    }
    const bool incomplete = report.errors > 0 || report.timeouts > 0 || !report.problems.empty() ||
                            report.verdict == Verdict::unknown;
    if (incomplete) {
        switch (policy.errors_as) {
        case ErrorsAs::ok:
            return ExitCode::ok;
        case ErrorsAs::warning:
            return ExitCode::warning;
        case ErrorsAs::unknown:
            return ExitCode::unknown;
        }
    }
    return ExitCode::ok;
}

ExitCode worst_of(ExitCode a, ExitCode b) noexcept {
    auto rank = [](ExitCode e) {
        switch (e) {
        case ExitCode::critical:
            return 3;
        case ExitCode::warning:
            return 2;
        case ExitCode::unknown:
            return 1;
        case ExitCode::ok:
            return 0;
        }
        return 1;
    };
    return rank(a) >= rank(b) ? a : b;
}

std::string_view to_string(ExitCode code) noexcept {
    switch (code) {
    case ExitCode::ok:
        return "OK";
    case ExitCode::warning:
        return "WARNING";
    case ExitCode::critical:
        return "CRITICAL";
    case ExitCode::unknown:
        return "UNKNOWN";
    }
    return "UNKNOWN";
}

} // namespace rblscope
