document.documentElement.classList.add('js');
//# sourceMappingURL=app.3f9a1c2e.js.map
