/* The operation page: polls its JSON view and updates the progress bar,
 * the current step and the events in place. When the operation ends its
 * report (timeline, findings) comes with the last answer and is put in
 * place too: the page is never reloaded. */
(function () {
  'use strict';
  var root = document.getElementById('drs-operation');
  if (!root || root.getAttribute('data-terminal') === '1') { return; }
  var url = root.getAttribute('data-progress-url');
  var interval = 2000;
  var failures = 0;

  function text(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }

  function cell(row, value) {
    var td = document.createElement('td');
    td.textContent = value === null || value === undefined ? '' : value;
    row.appendChild(td);
  }

  function render(data) {
    var bar = document.getElementById('drs-progress-bar');
    bar.style.width = data.percent + '%';
    bar.setAttribute('aria-valuenow', data.percent);
    bar.textContent = data.percent + '%';
    text('drs-progress-done', data.done);
    text('drs-progress-total', data.total);
    text('drs-progress-current', data.current || '-');
    var status = document.getElementById('drs-op-status');
    status.textContent = data.status;
    status.className = 'drs-op-status drs-status-' + data.status;
    if (data.error) {
      var err = document.getElementById('drs-op-error');
      err.textContent = data.error;
      err.style.display = '';
    }
    var body = document.querySelector('#drs-events tbody');
    if (body && data.events.length >= body.rows.length) {
      body.innerHTML = '';
      data.events.forEach(function (e) {
        var row = document.createElement('tr');
        cell(row, e.at);
        cell(row, e.step);
        cell(row, e.resource ? e.resource.type + ' ' + e.resource.id : '');
        cell(row, e.state);
        cell(row, e.message);
        body.appendChild(row);
      });
    }
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', url);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.onload = function () {
      if (xhr.status !== 200) {
        failures += 1;
        if (failures < 10) { setTimeout(poll, interval * 2); }
        return;
      }
      failures = 0;
      var data = JSON.parse(xhr.responseText);
      render(data);
      if (data.terminal) {
        var report = document.getElementById('drs-report');
        if (report && data.report_html) { report.innerHTML = data.report_html; }
        var bar = document.getElementById('drs-progress-bar');
        bar.className = 'progress-bar ' + (data.status === 'succeeded' ?
          'progress-bar-success' : 'progress-bar-danger');
        var cancel = document.getElementById('drs-cancel-form');
        if (cancel) { cancel.parentNode.removeChild(cancel); }
        text('drs-op-finished', data.finished_at || '-');
        root.setAttribute('data-terminal', '1');
      } else {
        setTimeout(poll, interval);
      }
    };
    xhr.onerror = function () {
      failures += 1;
      if (failures < 10) { setTimeout(poll, interval * 2); }
    };
    xhr.send();
  }
  setTimeout(poll, interval);
}());
