// The engine's public face: run_check() runs a Run on a loop of its own, SteppedRun lets a
// host loop (the exporter's) drive one, VectorTargetSource feeds command-line targets and
// ArgumentsThenInput those and then --input's lines.
// The Run itself is in run.hpp.

#include "rblscope/engine.hpp"

#include "engine/run.hpp"
#include "net/event_loop.hpp"

#include <fmt/format.h>

namespace rblscope {

std::optional<Result<Target>> VectorTargetSource::next() {
    if (m_next >= m_texts.size()) {
        return std::nullopt;
    }
    const auto& text = m_texts[m_next++];
    auto t = parse_target(text);
    if (!t) {
        return Result<Target>(Error{t.error().message, fmt::format("argument {}", m_next)});
    }
    return t;
}

ArgumentsThenInput::ArgumentsThenInput(std::vector<std::string> args, int fd, std::string name)
    : m_args(std::move(args)) {
    if (fd >= 0) {
        m_reader.emplace(fd, std::move(name));
    }
}

std::optional<Result<Target>> ArgumentsThenInput::next() {
    if (auto t = m_args.next()) {
        return t;
    }
    if (m_reader) {
        return m_reader->next();
    }
    return std::nullopt;
}

int ArgumentsThenInput::waiting_fd() const {
    return m_reader && m_reader->waiting() ? m_reader->fd() : -1;
}

Result<RunSummary> run_check(const std::vector<const Zone*>& zones,
                             const Catalog& catalog,
                             TargetSource& targets,
                             ResultSink& sink,
                             const EngineOptions& options) {
    EventLoop loop;
    engine::Run run(loop, zones, catalog, targets, sink, options);
    return run.execute();
}

struct SteppedRun::Impl {
    Impl(const std::vector<const Zone*>& zones,
         const Catalog& catalog,
         TargetSource& targets,
         ResultSink& sink,
         const EngineOptions& options)
        : run(loop, zones, catalog, targets, sink, options) {}
    EventLoop loop; // declared first: the run's timers and sockets go before the loop
    engine::Run run;
};

SteppedRun::SteppedRun(const std::vector<const Zone*>& zones,
                       const Catalog& catalog,
                       TargetSource& targets,
                       ResultSink& sink,
                       const EngineOptions& options)
    : m_impl(std::make_unique<Impl>(zones, catalog, targets, sink, options)) {}

SteppedRun::~SteppedRun() = default;

std::optional<Error> SteppedRun::start() {
    return m_impl->run.start();
}

bool SteppedRun::advance() {
    m_impl->loop.run_once(std::chrono::milliseconds(0));
    return m_impl->run.advance();
}

RunSummary SteppedRun::finish() {
    return m_impl->run.finish();
}

int SteppedRun::fd() const {
    return m_impl->loop.fd();
}

std::optional<std::chrono::steady_clock::time_point> SteppedRun::next_timer() const {
    return m_impl->loop.next_timer();
}

} // namespace rblscope
